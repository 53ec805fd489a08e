/**
 * The hostile corpus: values an attacker could put in a pull request. Every
 * renderer takes them; the output must stay valid for every validator, and the
 * values must come out only as inert data (YAML/JSON scalars, env values).
 */
import type { FleetSpec, ProjectSpec } from '../../core/spec/types.ts';
import { fleetSpec } from './fixtures/specs.ts';

export const HOSTILE: readonly string[] = [
  '$(reboot)',
  '`touch /tmp/pwned`',
  "'; rm -rf / #",
  '"double" and \'single\' quotes',
  'line one\nline two',
  'x\nEOF\nrm -rf /\nEOF',
  '# not a comment',
  '100% %s %n %%',
  'ünïcødé ✓ 日本語 🚀 \u202e',
  '${JWT_SECRET} $HOME $$',
  'back\\slash\\',
  '{env.HOME} {$HOME}',
  '}\nimport evil\n{',
  'key: value',
  '- item\n- other',
  '&anchor *alias !!python/object:os.system',
  '\t tab and trailing space ',
  '[Peer]\nAllowedIPs = 0.0.0.0/0',
];

/** Opened sealed values go to `.env`, which cannot hold a single quote, newline or trailing backslash. */
export const HOSTILE_ENV_SAFE = HOSTILE.filter((v) => !/['\n\r]/.test(v) && !v.endsWith('\\'));

/** A project with the i-th hostile value in every free-text field. */
export function hostileProject(i: number): ProjectSpec {
  const v = HOSTILE[i % HOSTILE.length] as string;
  return {
    name: 'evil',
    server: { type: 'cx22', location: 'fsn1' },
    auth: {
      site_url: v,
      redirect_urls: [v, `https://ok.example.com/${v}`],
      signup: { enabled: true, email_autoconfirm: false },
      smtp: {
        host: v,
        port: 25,
        user: v,
        pass: 'sealed:v1:evil:auth.smtp.pass:AAAA',
        sender: v,
        sender_name: v,
      },
      external: {
        google: { client_id: v, secret: 'sealed:v1:evil:auth.external.google.secret:AAAA' },
        keycloak: { client_id: v, secret: 'sealed:v1:evil:auth.external.keycloak.secret:AAAA', url: v },
      },
    },
    api: { cors_origins: [v] },
    functions: { secrets: { EVIL: 'sealed:v1:evil:functions.secrets.EVIL:AAAA' } },
  };
}

/** Plaintexts for the hostile project's sealed fields. */
export function hostileOpened(i: number): Record<string, string> {
  const safe = HOSTILE_ENV_SAFE[i % HOSTILE_ENV_SAFE.length] as string;
  return {
    'auth.smtp.pass': safe,
    'auth.external.google.secret': safe,
    'auth.external.keycloak.secret': safe,
    // Function secrets travel as JSON: anything goes.
    'functions.secrets.EVIL': HOSTILE[i % HOSTILE.length] as string,
  };
}

/** A fleet whose free-text fields (only its name and repository) are hostile. */
export function hostileFleet(i: number): FleetSpec {
  const v = HOSTILE[i % HOSTILE.length] as string;
  return { ...fleetSpec, name: v, github: { ...fleetSpec.github, repository: v } };
}

/** Fields that must be one narrow format; a hostile value there is refused with an error naming the field. */
export const STRICT_FIELDS: readonly {
  field: string;
  project?: (v: string) => ProjectSpec;
  fleet?: (v: string) => FleetSpec;
}[] = [
  { field: 'name', project: (v) => ({ name: v, server: { type: 'cx22', location: 'fsn1' } }) },
  {
    field: 'subdomain',
    project: (v) => ({ name: 'ok', subdomain: v, server: { type: 'cx22', location: 'fsn1' } }),
  },
  {
    field: 'backup.schedule',
    project: (v) => ({ name: 'ok', server: { type: 'cx22', location: 'fsn1' }, backup: { schedule: v } }),
  },
  {
    field: 'backup.healthcheck_url',
    project: (v) => ({
      name: 'ok',
      server: { type: 'cx22', location: 'fsn1' },
      backup: { healthcheck_url: v },
    }),
  },
  { field: 'domain', fleet: (v) => ({ ...fleetSpec, domain: v }) },
  { field: 'ssh.user', fleet: (v) => ({ ...fleetSpec, ssh: { ...fleetSpec.ssh, user: v } }) },
  {
    field: 'ssh.authorized_keys[0]',
    fleet: (v) => ({ ...fleetSpec, ssh: { ...fleetSpec.ssh, authorized_keys: [`ssh-ed25519 AAAA ${v}`] } }),
  },
  {
    field: 'storage_box.host',
    fleet: (v) => ({ ...fleetSpec, storage_box: { ...fleetSpec.storage_box, host: v } }),
  },
  {
    field: 'storage_box.user',
    fleet: (v) => ({ ...fleetSpec, storage_box: { ...fleetSpec.storage_box, user: v } }),
  },
  { field: 'network.cidr', fleet: (v) => ({ ...fleetSpec, network: { cidr: v } }) },
  { field: 'tls.email', fleet: (v) => ({ ...fleetSpec, tls: { mode: 'on_demand', email: v } }) },
];
