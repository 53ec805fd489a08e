import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateProjectSecrets, secretValues } from '../../core/secrets/generate.ts';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { placeholderEnrollment, placeholderOpened, placeholderSecrets } from '../placeholders.ts';
import { parseEnvFile } from '../shared/env-file.ts';
import { WORKER_TARGET } from '../shared/budget.ts';
import { fleetSpec, projectSpecs } from '../test/fixtures/specs.ts';
import { allUserDataText, decodeUserData } from '../test/decode.ts';
import { renderWorkerBundle } from './bundle.ts';
import { WORKER_PORTS } from './compose.ts';
import { renderWorkerUserData } from './user-data.ts';
import { Secret } from '../../core/seal/secret.ts';

const fleet = resolveFleet(fleetSpec);
const typical = resolveProject(projectSpecs.typical!);
const full = resolveProject(projectSpecs.full!);
const minimal = resolveProject(projectSpecs.minimal!);

function bundleOf(project = typical, secrets = placeholderSecrets()) {
  return renderWorkerBundle({
    fleet,
    project,
    secrets,
    opened: placeholderOpened(project),
    revision: 7,
    wgAddress: '10.100.0.5',
  });
}

function composeOf(project = typical) {
  return parse(bundleOf(project).get('docker-compose.yml')!) as {
    services: Record<string, Record<string, unknown>>;
  };
}

describe('worker user_data', () => {
  const userData = () =>
    renderWorkerUserData({ fleet, project: typical, enrollment: placeholderEnrollment('example.com') });

  it('when rendered, then it is a #cloud-config within the 8 KiB target', () => {
    const ud = userData();
    expect(ud.text.startsWith('#cloud-config\n')).toBe(true);
    expect(ud.bytes).toBe(Buffer.byteLength(ud.text));
    expect(ud.bytes).toBeLessThanOrEqual(WORKER_TARGET);
  });

  it('when rendered, then its enrollment data is only the token, the master URL, the master key and the agent uid', () => {
    const enroll = decodeUserData(userData().text).files.find(
      (f) => f.path === '/etc/supafleet/enroll.json',
    )!;
    expect(JSON.parse(enroll.content)).toEqual({
      master_url: 'https://fleet.example.com',
      master_wg_public_key: placeholderEnrollment('example.com').masterWgPublicKey,
      token: placeholderEnrollment('example.com').token,
      agent_uid: 1000,
    });
    expect(enroll.permissions).toBe('0600');
  });

  it('when secrets are generated for the project, then none of them appears in user_data, even decoded', async () => {
    const secrets = await generateProjectSecrets();
    const bundle = bundleOf(typical, secrets);
    const text = allUserDataText(userData().text);
    const values = secretValues(secrets);
    expect(values.length).toBeGreaterThan(15);
    for (const v of values) expect(text.includes(v)).toBe(false);
    // ...while the bundle does carry them (so the search above would have found a leak).
    expect([...bundle.values()].join('\n')).toContain(secrets.jwt_secret);
  });

  it('when rendered, then hardening runs before enrollment, after the files are unpacked', () => {
    const { doc } = decodeUserData(userData().text);
    expect((doc.runcmd as string[][]).map((c) => (c[0] === 'bash' ? 'unpack' : c[0]))).toEqual([
      'unpack',
      '/usr/local/sbin/supafleet-harden',
      '/usr/local/sbin/supafleet-enroll',
    ]);
    expect(doc.disable_root).toBe(true);
    expect(doc.ssh_pwauth).toBe(false);
    expect(doc.packages).toEqual(
      expect.arrayContaining(['wireguard-tools', 'ufw', 'fail2ban', 'unattended-upgrades', 'restic', 'jq']),
    );
  });

  it('when SSH is public on workers, then UFW opens 22 (rate limited) and the wg network; when not, only the wg network', () => {
    const ufw = (f: typeof fleet) => {
      const ud = renderWorkerUserData({
        fleet: f,
        project: typical,
        enrollment: placeholderEnrollment('example.com'),
      });
      return JSON.parse(
        decodeUserData(ud.text).files.find((x) => x.path === '/etc/supafleet/host.json')!.content,
      ).ufw;
    };
    expect(ufw(fleet)).toEqual([
      { action: 'limit', port: '22', proto: 'tcp', from: 'any' },
      { action: 'allow', port: 'any', proto: 'any', from: '10.100.0.0/24' },
    ]);
    expect(ufw(resolveFleet({ ...fleetSpec, ssh: { ...fleetSpec.ssh, workers_public: false } }))).toEqual([
      { action: 'allow', port: 'any', proto: 'any', from: '10.100.0.0/24' },
    ]);
  });

  it('when the server has more memory, then the RAM tier gives more swap and larger buffers', () => {
    const host = (type: string) => {
      const ud = renderWorkerUserData({
        fleet,
        project: { ...typical, server: { type, location: 'fsn1' } },
        enrollment: placeholderEnrollment('example.com'),
      });
      return JSON.parse(
        decodeUserData(ud.text).files.find((x) => x.path === '/etc/supafleet/host.json')!.content,
      );
    };
    const small = host('cx22');
    const large = host('ccx43');
    expect(small.swap_mb).toBeLessThan(large.swap_mb);
    expect(Number(small.sysctl['net.core.somaxconn'])).toBeLessThan(
      Number(large.sysctl['net.core.somaxconn']),
    );
    expect(small.sysctl).toMatchObject({
      'vm.swappiness': '10',
      'kernel.kptr_restrict': '2',
      'net.ipv4.tcp_syncookies': '1',
    });
  });

  it('when the enrollment token has characters outside the URL-safe set, then rendering refuses without echoing it', () => {
    const token = 'tok"en$(reboot)-----------';
    expect(() =>
      renderWorkerUserData({
        fleet,
        project: typical,
        enrollment: { ...placeholderEnrollment('example.com'), token },
      }),
    ).toThrow(/^enrollment\.token: expected/);
  });
});

describe('worker stack bundle', () => {
  it('when rendered, then every path is relative and the expected files are there', () => {
    const paths = [...bundleOf().keys()];
    expect(paths.every((p) => !p.startsWith('/') && !p.includes('..'))).toBe(true);
    expect(paths).toEqual(
      expect.arrayContaining([
        'docker-compose.yml',
        '.env',
        'db/init/roles.sql',
        'vector/vector.yml',
        'functions/main/index.ts',
        'backup/backup.sh',
        'backup/crontab',
      ]),
    );
  });

  it('when rendered, then it ships the supafleet-health function that supafleet smoke invokes, answering {"ok": true}', () => {
    const source = bundleOf().get('functions/supafleet-health/index.ts');
    expect(source).toContain('Deno.serve(');
    expect(source).toContain("JSON.stringify({ ok: true, function: 'supafleet-health' })");
  });

  // upstream's three: supabase/supabase@f8a85e7a9b99 docker/.env.example:55 (PGRST_DB_SCHEMAS)
  it("when rendered, then PostgREST exposes the supafleet schema that supafleet smoke writes to, after upstream's three", () => {
    const env = composeOf().services.rest!.environment as Record<string, string>;
    expect(env.PGRST_DB_SCHEMAS).toBe('public,storage,graphql_public,supafleet');
  });

  it('when rendered, then every published port is bound to the wg address, except the socket proxy on loopback', () => {
    const { services } = composeOf();
    const published = Object.entries(services)
      .filter(([name]) => name !== 'socket-proxy')
      .flatMap(([, s]) => (s.ports ?? []) as string[]);
    expect(services['socket-proxy']!.ports).toEqual(['127.0.0.1:2375:2375']);
    expect(published.sort()).toEqual(
      Object.values(WORKER_PORTS)
        .map((p) => `10.100.0.5:${p}:${p}`)
        .sort(),
    );
  });

  it('when rendered, then the agent probes each service on its wg address (it runs on the host network)', () => {
    const { probes } = JSON.parse(bundleOf().get('probes.json')!) as {
      probes: { service: string; url?: string; host?: string }[];
    };
    expect(probes.map((p) => p.service).sort()).toEqual([
      'auth',
      'db',
      'functions',
      'meta',
      'realtime',
      'rest',
      'storage',
    ]);
    for (const p of probes)
      expect(p.url ?? `http://${p.host}:5432/`, p.service).toMatch(/^http:\/\/10\.100\.0\.5:\d+\//);
  });

  it('when rendered, then the agent has no Docker socket, reaches Docker through the loopback proxy, and reads storage only', () => {
    const { services } = composeOf();
    expect(services.agent!.volumes).toEqual([
      '/etc/supafleet:/etc/supafleet:ro',
      '/opt/supafleet:/opt/supafleet',
      'storage-data:/var/lib/supafleet/storage:ro',
    ]);
    expect(services.agent!.environment).toMatchObject({ DOCKER_HOST: 'tcp://127.0.0.1:2375' });
    expect(services.agent).not.toHaveProperty('cap_add');
    expect(services['socket-proxy']!.volumes).toEqual(['/var/run/docker.sock:/var/run/docker.sock:ro']);
    expect(services.storage!.volumes).toEqual(['storage-data:/var/lib/storage']);
  });

  it('when rendered, then every service restarts, has a memory limit, and all but the agent have a health check', () => {
    for (const [name, s] of Object.entries(composeOf().services)) {
      expect(s.restart, name).toBe('unless-stopped');
      expect(s.mem_limit, name).toMatch(/^\d+m$/);
      if (name !== 'agent') expect(s.healthcheck, name).toBeDefined();
    }
  });

  it('when the server type is bigger, then the database gets a bigger memory limit', () => {
    const db = (p: typeof typical) => Number.parseInt(String(composeOf(p).services.db!.mem_limit), 10);
    expect(db(minimal)).toBeLessThan(db(full));
  });

  it('when rendered, then each service role connects with its own password from .env', () => {
    const bundle = bundleOf();
    const env = parseEnvFile(bundle.get('.env')!);
    const roles = [
      'AUTHENTICATOR_PASSWORD',
      'AUTH_ADMIN_PASSWORD',
      'STORAGE_ADMIN_PASSWORD',
      'FUNCTIONS_ADMIN_PASSWORD',
      'PGBOUNCER_PASSWORD',
    ];
    expect(new Set(roles.map((r) => env[r])).size).toBe(roles.length);
    const { services } = composeOf();
    expect(services.rest!.environment).toMatchObject({
      PGRST_DB_URI: 'postgres://authenticator:${AUTHENTICATOR_PASSWORD}@db:5432/postgres',
    });
    expect(services.auth!.environment).toMatchObject({
      GOTRUE_DB_DATABASE_URL: expect.stringContaining('supabase_auth_admin:${AUTH_ADMIN_PASSWORD}'),
    });
    expect(services.storage!.environment).toMatchObject({
      DATABASE_URL: expect.stringContaining('supabase_storage_admin:${STORAGE_ADMIN_PASSWORD}'),
    });
    const roleSql = bundle.get('db/init/roles.sql')!;
    for (const r of roles) expect(roleSql).toContain(`\\getenv ${r.toLowerCase().replace(/_password$/, '')}`);
    expect(roleSql).not.toMatch(/[0-9a-f]{32}/);
  });

  it('when functions.verify_jwt is left out, then JWT verification is on; when false, off', () => {
    expect(composeOf(typical).services.functions!.environment).toMatchObject({ VERIFY_JWT: 'true' });
    expect(composeOf(full).services.functions!.environment).toMatchObject({ VERIFY_JWT: 'false' });
  });

  it('when the project has function secrets, then they are JSON the main router reads, not part of .env', () => {
    const bundle = bundleOf(full);
    expect(JSON.parse(bundle.get('function-secrets.json')!)).toEqual({
      STRIPE_KEY: 'PLACEHOLDER-STRIPE_KEY',
    });
    expect(bundle.get('.env')).not.toContain('STRIPE_KEY');
    expect(bundle.get('functions/main/index.ts')).toContain('/run/supafleet/function-secrets.json');
  });

  it('when a sealed field has no plaintext, then rendering names the field', () => {
    expect(() =>
      renderWorkerBundle({
        fleet,
        project: full,
        secrets: placeholderSecrets(),
        opened: {},
        revision: 1,
        wgAddress: '10.100.0.5',
      }),
    ).toThrow(/auth\.external\.google\.secret: the sealed value has not been opened/);
  });

  it('when rendered, then the backup goes to the project’s restic path on port 23 with the spec’s retention and schedule', () => {
    const bundle = bundleOf(full);
    expect(JSON.parse(bundle.get('backup/backup.json')!)).toMatchObject({
      repository: 'sftp://u123456@u123456.your-storagebox.de:23/supafleet/shop',
      keep: { daily: 14, weekly: 8, monthly: 12 },
      healthcheck_url: 'https://hc-ping.com/0f3c9a8e-0000-4000-8000-000000000000',
      paths: expect.arrayContaining(['functions', 'function-secrets.json', '/var/lib/supafleet/storage']),
    });
    expect(bundle.get('backup/crontab')).toContain('\n30 2 * * 1-5 root /opt/supafleet/backup/backup.sh ');
    expect(bundle.get('backup/restic-password')).toBe(`${placeholderSecrets().restic_password}\n`);
  });

  it('when rendered twice from the same inputs, then the bytes are identical', () => {
    expect([...bundleOf(full)]).toEqual([...bundleOf(full)]);
    const a = renderWorkerUserData({
      fleet,
      project: full,
      enrollment: placeholderEnrollment('example.com'),
    }).text;
    const b = renderWorkerUserData({
      fleet,
      project: full,
      enrollment: placeholderEnrollment('example.com'),
    }).text;
    expect(a).toBe(b);
  });

  it('when the wg address is outside the fleet network, then rendering refuses', () => {
    expect(() =>
      renderWorkerBundle({
        fleet,
        project: typical,
        secrets: placeholderSecrets(),
        opened: placeholderOpened(typical),
        revision: 1,
        wgAddress: '192.168.1.2',
      }),
    ).toThrow(/^wgAddress: /);
  });
});

describe("the worker's own Storage Box sub-account (storage_box.id)", () => {
  const boxFleet = resolveFleet({ ...fleetSpec, storage_box: { ...fleetSpec.storage_box, id: 4711 } });
  const account = {
    user: 'u123456-sub3',
    host: 'u123456.your-storagebox.de',
    password: new Secret('oneTimePassw0rd_for-acme-Aa1-'),
  };
  const render = (f = boxFleet, backup: typeof account | null = account) =>
    renderWorkerUserData({
      fleet: f,
      project: typical,
      enrollment: placeholderEnrollment('example.com'),
      ...(backup ? { backup } : {}),
    });

  it("when user_data is rendered, then first boot gets the project's sub-account as user@host with its one-time password, before enrollment", () => {
    const decoded = decodeUserData(render().text);
    const file = decoded.files.find((f) => f.path === '/etc/supafleet/backup-account.json')!;
    expect(JSON.parse(file.content)).toEqual({
      target: 'u123456-sub3@u123456.your-storagebox.de',
      password: 'oneTimePassw0rd_for-acme-Aa1-',
      agent_uid: 1000,
    });
    expect(file.permissions).toBe('0600');
    const doc = parse(render().text) as { runcmd: string[][] };
    expect(doc.runcmd.filter((c) => c.length === 1)).toEqual([
      ['/usr/local/sbin/supafleet-harden'],
      ['/usr/local/sbin/supafleet-backup-key'],
      ['/usr/local/sbin/supafleet-enroll'],
    ]);
    expect(render().bytes).toBeLessThanOrEqual(WORKER_TARGET);
  });

  it('when the fleet names a box but no sub-account is given, or the other way round, then rendering refuses', () => {
    expect(() => render(boxFleet, null)).toThrow(/gives each project a sub-account/);
    expect(() => render(fleet)).toThrow(/no storage_box.id/);
  });

  it('when the sub-account user or password is malformed, then rendering refuses without printing the password', () => {
    expect(() => render(boxFleet, { ...account, user: 'u1;rm' })).toThrow(/backup.user/);
    const bad = new Secret('short');
    let message = '';
    try {
      render(boxFleet, { ...account, password: bad });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/backup.password/);
    expect(message).not.toContain('short');
  });

  it('when the fleet has no box id, then user_data has no backup account and no backup-key step', () => {
    const decoded = decodeUserData(
      renderWorkerUserData({ fleet, project: typical, enrollment: placeholderEnrollment('example.com') })
        .text,
    );
    expect(decoded.files.map((f) => f.path)).not.toContain('/etc/supafleet/backup-account.json');
  });

  it("when the bundle is rendered, then backup.json targets the sub-account's own home read from the target file, and never prunes", () => {
    const bundle = renderWorkerBundle({
      fleet: boxFleet,
      project: full,
      secrets: placeholderSecrets(),
      opened: placeholderOpened(full),
      revision: 7,
      wgAddress: '10.100.0.5',
    });
    const conf = JSON.parse(bundle.get('backup/backup.json')!) as Record<string, unknown>;
    expect(conf).toMatchObject({
      repository: 'sftp:{target}:.',
      target_file: '/etc/supafleet/backup-target',
      prune: false,
    });
    expect(conf.sftp_command).toMatch(/ -i \/etc\/supafleet\/backup\.key .* \{target\} -s sftp$/);
    expect(JSON.stringify(conf)).not.toContain('u123456@');
  });

  it('when the fleet has no box id, then workers still never prune', () => {
    expect(JSON.parse(bundleOf(full).get('backup/backup.json')!)).toMatchObject({ prune: false });
  });
});
