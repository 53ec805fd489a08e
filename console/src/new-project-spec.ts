/**
 * The New project form's values turned into a project spec and into the text of
 * `projects/<name>.yaml`. Pure: the page calls it on every change, the unit tests call it with
 * tables of values. The output is deterministic, with the keys in the order of the examples
 * (examples/fleet/projects/acme.yaml): name, subdomain, server, protect, auth, api, storage,
 * backup.
 */

/** What the form holds: the text of each field, as typed, and its checkboxes. */
export interface NewProjectForm {
  readonly name: string;
  /** Empty: served at the name. */
  readonly subdomain: string;
  readonly serverType: string;
  readonly location: string;
  readonly protect: boolean;
  readonly siteUrl: string;
  /** One URL a line. */
  readonly redirectUrls: string;
  readonly signupEnabled: boolean;
  readonly emailAutoconfirm: boolean;
  /** One origin a line. */
  readonly corsOrigins: string;
  readonly fileSizeLimitMb: string;
  readonly backupSchedule: string;
  readonly keepDaily: string;
  readonly keepWeekly: string;
  readonly keepMonthly: string;
}

/** The form's starting values: the schema's defaults where it has them. */
export const EMPTY_FORM: NewProjectForm = {
  name: '',
  subdomain: '',
  serverType: 'cx22',
  location: 'fsn1',
  protect: true,
  siteUrl: '',
  redirectUrls: '',
  signupEnabled: false,
  emailAutoconfirm: false,
  corsOrigins: '',
  fileSizeLimitMb: '',
  backupSchedule: '0 3 * * *',
  keepDaily: '7',
  keepWeekly: '4',
  keepMonthly: '6',
};

/** The schema reference a file under projects/ carries, for editors (yaml-language-server). */
export const SCHEMA_COMMENT = '# yaml-language-server: $schema=../schemas/project.schema.json';

type Value = string | number | boolean | readonly string[] | Spec;
/** A spec as the form builds it: keys in insertion order, which is the file's order. */
export interface Spec {
  readonly [key: string]: Value;
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/**
 * A number field: a number when the text is one, else the text itself, so the schema names the
 * bad value ("\"ten\" is a string; expected an integer") as `supafleet validate` would.
 */
function numberOrText(text: string): number | string {
  const t = text.trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

/** Drops the keys whose value is undefined, keeping the order of the rest. */
function compact(entries: readonly [string, Value | undefined][]): Spec | undefined {
  const kept = entries.filter((e): e is [string, Value] => e[1] !== undefined);
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

const text = (s: string): string | undefined => (s.trim() === '' ? undefined : s.trim());
const list = (s: string): string[] | undefined => (lines(s).length === 0 ? undefined : lines(s));
const num = (s: string): number | string | undefined => (s.trim() === '' ? undefined : numberOrText(s));

/**
 * The spec the form describes. Empty fields are left out (the defaults of core/spec/defaults.ts
 * apply); the server and `protect` are always written, and so is `auth.signup.enabled`, so the
 * file says plainly whether people may sign up.
 */
export function specFromForm(f: NewProjectForm): Spec {
  const signup = compact([
    ['enabled', f.signupEnabled],
    ['email_autoconfirm', f.signupEnabled ? f.emailAutoconfirm : undefined],
  ]);
  return compact([
    ['name', text(f.name)],
    ['subdomain', text(f.subdomain)],
    ['server', { type: f.serverType.trim(), location: f.location.trim() }],
    ['protect', f.protect],
    [
      'auth',
      compact([
        ['site_url', text(f.siteUrl)],
        ['redirect_urls', list(f.redirectUrls)],
        ['signup', signup],
      ]),
    ],
    ['api', compact([['cors_origins', list(f.corsOrigins)]])],
    ['storage', compact([['file_size_limit_mb', num(f.fileSizeLimitMb)]])],
    [
      'backup',
      compact([
        ['schedule', text(f.backupSchedule)],
        [
          'keep',
          compact([
            ['daily', num(f.keepDaily)],
            ['weekly', num(f.keepWeekly)],
            ['monthly', num(f.keepMonthly)],
          ]),
        ],
      ]),
    ],
  ])!;
}

const YAML_WORDS = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

/**
 * A string as a YAML scalar: plain when it starts with a letter, holds no space and no character
 * that means something to YAML there (so `https://acme.com` stays as the examples write it),
 * double-quoted otherwise (a JSON string is a valid YAML double-quoted scalar). Cron schedules
 * start with a digit or `*` and are quoted, like the examples'.
 */
export function yamlScalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  const plain =
    /^[A-Za-z][A-Za-z0-9_./:@+~%?=&*-]*$/.test(value) && !value.endsWith(':') && !YAML_WORDS.test(value);
  return plain ? value : JSON.stringify(value);
}

function render(spec: Spec, indent: string, out: string[]): void {
  for (const [key, value] of Object.entries(spec)) {
    if (Array.isArray(value)) {
      out.push(`${indent}${key}:`);
      for (const item of value as readonly string[]) out.push(`${indent}  - ${yamlScalar(item)}`);
    } else if (typeof value === 'object') {
      out.push(`${indent}${key}:`);
      render(value as Spec, `${indent}  `, out);
    } else {
      out.push(`${indent}${key}: ${yamlScalar(value)}`);
    }
  }
}

/** The text of `projects/<name>.yaml` for a spec: the schema comment, then block-style YAML. */
export function projectYaml(spec: Spec): string {
  const out = [SCHEMA_COMMENT];
  render(spec, '', out);
  return `${out.join('\n')}\n`;
}
