import { describe, expect, it } from 'vitest';
import { generateSealKeypair } from '../../core/seal/index.ts';
import { POOLER_PUBLIC_PORTS } from '../../cloud-init/master/compose.ts';
import { ConfigError, GITHUB_OIDC_ISSUER, GITHUB_OIDC_JWKS, loadConfig } from './config.ts';

const keys = await generateSealKeypair();
const fleetYaml = `name: prod
domain: example.com
github: { repository_id: 1, owner_id: 2 }
master: { server: { type: cx32, location: fsn1 } }
network: { cidr: 10.100.0.0/24 }
storage_box: { host: u1.your-storagebox.de, user: u1, id: 4711 }
seal: { public_key: "${keys.publicKey}" }
`;
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const files: Record<string, string> = {
  '/fleet.yaml': fleetYaml,
  '/broken.yaml': 'name: [',
  '/ca.pem': CA_PEM,
};
const readText = async (p: string) => {
  const f = files[p];
  if (f === undefined) throw new Error(`ENOENT: no such file ${p}`);
  return f;
};

const good = {
  DATABASE_URL: 'postgres://supafleet:pw@127.0.0.1:5432/supafleet',
  SUPAFLEET_FLEET_FILE: '/fleet.yaml',
  SUPAFLEET_SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'),
  SUPAFLEET_SEAL_PRIVATE_KEY: keys.privateKey.reveal(),
  KONG_ADMIN_URL: 'http://127.0.0.1:8001',
  SUPAFLEET_WG_ENDPOINT: '203.0.113.10:51820',
};

async function problems(env: Record<string, string | undefined>): Promise<string> {
  try {
    await loadConfig(env, readText);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('when only the required settings are given, then the defaults fill the rest', async () => {
    const c = await loadConfig(good, readText);
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.agentListen).toEqual({ host: '10.100.0.1', port: 8081 });
    expect(c.agentUrl).toBe('http://10.100.0.1:8081');
    expect(c.oidc).toEqual({
      issuer: GITHUB_OIDC_ISSUER,
      jwksUrl: GITHUB_OIDC_JWKS,
      audience: 'supafleet',
      environment: 'production',
    });
    expect(c.wgInterface).toBe('wg0');
    expect(c.wgConfigPath).toBe('/etc/wireguard/wg0.conf');
    expect(c.cidr.text).toBe('10.100.0.0/24');
    expect(c.wgReconcileIntervalS).toBe(30);
  });

  it.each([
    { value: '0', want: 0 },
    { value: '1', want: 1 },
    { value: '3600', want: 3600 },
  ])('when the peer reconcile interval is $value, then it is taken as $want s', async ({ value, want }) => {
    const c = await loadConfig({ ...good, SUPAFLEET_WG_RECONCILE_INTERVAL_S: value }, readText);
    expect(c.wgReconcileIntervalS).toBe(want);
  });

  it('when a deployment environment is configured, then write tokens must come from it', async () => {
    const c = await loadConfig({ ...good, SUPAFLEET_OIDC_ENVIRONMENT: 'prod-eu' }, readText);
    expect(c.oidc.environment).toBe('prod-eu');
    expect(await problems({ ...good, SUPAFLEET_OIDC_ENVIRONMENT: 'bad"name' })).toMatch(
      /SUPAFLEET_OIDC_ENVIRONMENT is .*; expected a GitHub environment name/,
    );
  });

  it('when public badges are listed, then only those projects get one', async () => {
    expect((await loadConfig(good, readText)).publicBadges).toEqual([]);
    const c = await loadConfig({ ...good, SUPAFLEET_PUBLIC_BADGES: 'acme, blog' }, readText);
    expect(c.publicBadges).toEqual(['acme', 'blog']);
    expect(await problems({ ...good, SUPAFLEET_PUBLIC_BADGES: 'acme,Bad Name' })).toMatch(
      /SUPAFLEET_PUBLIC_BADGES names "Bad Name"/,
    );
  });

  it('when the WireGuard interface is set empty, then WireGuard is unmanaged and no endpoint is needed', async () => {
    const c = await loadConfig(
      { ...good, SUPAFLEET_WG_INTERFACE: '', SUPAFLEET_WG_ENDPOINT: undefined },
      readText,
    );
    expect(c.wgInterface).toBe('');
  });

  it.each([
    { name: 'DATABASE_URL missing', env: { DATABASE_URL: undefined }, want: /DATABASE_URL is not set/ },
    {
      name: 'DATABASE_URL not postgres',
      env: { DATABASE_URL: 'mysql://x' },
      want: /DATABASE_URL is not a postgres/,
    },
    {
      name: 'fleet file missing',
      env: { SUPAFLEET_FLEET_FILE: undefined },
      want: /SUPAFLEET_FLEET_FILE is not set/,
    },
    {
      name: 'fleet file unreadable',
      env: { SUPAFLEET_FLEET_FILE: '/nope.yaml' },
      want: /SUPAFLEET_FLEET_FILE \/nope.yaml cannot be read/,
    },
    {
      name: 'fleet file broken',
      env: { SUPAFLEET_FLEET_FILE: '/broken.yaml' },
      want: /SUPAFLEET_FLEET_FILE \/broken.yaml/,
    },
    {
      name: 'listen malformed',
      env: { SUPAFLEET_LISTEN: 'localhost' },
      want: /SUPAFLEET_LISTEN is "localhost"; expected host:port/,
    },
    {
      name: 'agent listen malformed',
      env: { SUPAFLEET_AGENT_LISTEN: '10.100.0.1:99999' },
      want: /SUPAFLEET_AGENT_LISTEN/,
    },
    {
      name: 'JWKS URL malformed',
      env: { SUPAFLEET_OIDC_JWKS_URL: 'not a url' },
      want: /SUPAFLEET_OIDC_JWKS_URL/,
    },
    {
      name: 'secrets key missing',
      env: { SUPAFLEET_SECRETS_KEY: undefined },
      want: /SUPAFLEET_SECRETS_KEY is not set/,
    },
    {
      name: 'secrets key short',
      env: { SUPAFLEET_SECRETS_KEY: 'c2hvcnQ=' },
      want: /SUPAFLEET_SECRETS_KEY is malformed/,
    },
    {
      name: 'seal key malformed',
      env: { SUPAFLEET_SEAL_PRIVATE_KEY: 'x' },
      want: /SUPAFLEET_SEAL_PRIVATE_KEY is malformed/,
    },
    {
      name: 'seal key of another fleet',
      env: { SUPAFLEET_SEAL_PRIVATE_KEY: Buffer.alloc(32, 9).toString('base64') },
      want: /SUPAFLEET_SEAL_PRIVATE_KEY does not belong to seal.public_key/,
    },
    { name: 'Kong URL missing', env: { KONG_ADMIN_URL: undefined }, want: /KONG_ADMIN_URL is not set/ },
    {
      name: 'wg endpoint missing',
      env: { SUPAFLEET_WG_ENDPOINT: undefined },
      want: /SUPAFLEET_WG_ENDPOINT is not set/,
    },
    {
      name: 'wg interface malformed',
      env: { SUPAFLEET_WG_INTERFACE: 'this-name-is-far-too-long' },
      want: /SUPAFLEET_WG_INTERFACE/,
    },
    {
      name: 'pool size not a number',
      env: { SUPAFLEET_DB_POOL_SIZE: 'ten' },
      want: /SUPAFLEET_DB_POOL_SIZE is "ten"; expected an integer/,
    },
    {
      name: 'peer reconcile interval above an hour',
      env: { SUPAFLEET_WG_RECONCILE_INTERVAL_S: '3601' },
      want: /SUPAFLEET_WG_RECONCILE_INTERVAL_S is "3601"; expected an integer from 0 to 3600 \(seconds between/,
    },
    {
      name: 'peer reconcile interval not an integer',
      env: { SUPAFLEET_WG_RECONCILE_INTERVAL_S: '1.5' },
      want: /SUPAFLEET_WG_RECONCILE_INTERVAL_S is "1.5"; expected an integer from 0 to 3600/,
    },
    {
      name: 'peer reconcile interval negative',
      env: { SUPAFLEET_WG_RECONCILE_INTERVAL_S: '-5' },
      want: /SUPAFLEET_WG_RECONCILE_INTERVAL_S is "-5"/,
    },
    { name: 'log level unknown', env: { SUPAFLEET_LOG_LEVEL: 'loud' }, want: /SUPAFLEET_LOG_LEVEL/ },
  ])('when $name, then the start stops with a message naming the setting', async ({ env, want }) => {
    expect(await problems({ ...good, ...env })).toMatch(want);
  });

  it('when the keys are given as files, then they are read from there', async () => {
    const keyFiles: Record<string, string> = {
      '/run/secrets/key': `${good.SUPAFLEET_SECRETS_KEY}\n`,
      '/run/secrets/seal': `${good.SUPAFLEET_SEAL_PRIVATE_KEY}\n`,
    };
    const read = async (p: string) => keyFiles[p] ?? readText(p);
    const c = await loadConfig(
      {
        ...good,
        SUPAFLEET_SECRETS_KEY: undefined,
        SUPAFLEET_SEAL_PRIVATE_KEY: undefined,
        SUPAFLEET_SECRETS_KEY_FILE: '/run/secrets/key',
        SUPAFLEET_SEAL_PRIVATE_KEY_FILE: '/run/secrets/seal',
      },
      read,
    );
    expect(c.secretsKey.reveal()).toBe(good.SUPAFLEET_SECRETS_KEY);
    expect(c.sealPrivateKey.reveal()).toBe(good.SUPAFLEET_SEAL_PRIVATE_KEY);
  });

  it.each([
    {
      env: { SUPAFLEET_SECRETS_KEY_FILE: '/run/secrets/none' },
      want: /SUPAFLEET_SECRETS_KEY_FILE \/run\/secrets\/none cannot be read/,
    },
    {
      env: { SUPAFLEET_SEAL_PRIVATE_KEY_FILE: '/fleet.yaml' },
      want: /SUPAFLEET_SEAL_PRIVATE_KEY and SUPAFLEET_SEAL_PRIVATE_KEY_FILE are both set/,
    },
  ])('when a key file setting is wrong ($env), then the start stops naming it', async ({ env, want }) => {
    expect(await problems({ ...good, ...env })).toMatch(want);
  });

  it('when several settings are wrong, then all are named at once and no secret value is echoed', async () => {
    const secret = Buffer.alloc(31, 5).toString('base64');
    const msg = await problems({
      ...good,
      DATABASE_URL: undefined,
      KONG_ADMIN_URL: undefined,
      SUPAFLEET_SECRETS_KEY: secret,
    });
    expect(msg).toMatch(/DATABASE_URL/);
    expect(msg).toMatch(/KONG_ADMIN_URL/);
    expect(msg).toMatch(/SUPAFLEET_SECRETS_KEY/);
    expect(msg).not.toContain(secret);
  });

  it('when no Supavisor URL is set, then the master manages no pooler tenants', async () => {
    expect((await loadConfig(good, readText)).supavisor).toBeUndefined();
  });

  it('when the Supavisor URL and its JWT secret are set, then the pooler settings carry them and the public ports', async () => {
    const c = await loadConfig(
      {
        ...good,
        SUPAFLEET_SUPAVISOR_URL: 'http://127.0.0.1:4100',
        SUPAFLEET_SUPAVISOR_JWT_SECRET: 'supavisor-secret',
        SUPAFLEET_POOLER_SESSION_PORT: '5433',
      },
      readText,
    );
    expect(c.supavisor?.url).toBe('http://127.0.0.1:4100');
    expect(c.supavisor?.jwtSecret.reveal()).toBe('supavisor-secret');
    expect(c.supavisor?.ports).toEqual({ transaction: 6543, session: 5433 });
    expect(c.supavisor?.reconcileIntervalS).toBe(300);
  });

  it('when the pooler ports are not set, then the connection strings name the ports the master stack publishes (session 5433, transaction 6543)', async () => {
    const c = await loadConfig(
      {
        ...good,
        SUPAFLEET_SUPAVISOR_URL: 'http://127.0.0.1:4100',
        SUPAFLEET_SUPAVISOR_JWT_SECRET: 'supavisor-secret',
      },
      readText,
    );
    expect(c.supavisor?.ports).toEqual({ transaction: 6543, session: 5433 });
    expect(c.supavisor?.ports).toEqual(POOLER_PUBLIC_PORTS);
  });

  it('when the Supavisor URL is set without its secret, or is not a URL, then both are reported', async () => {
    const msg = await problems({ ...good, SUPAFLEET_SUPAVISOR_URL: 'supavisor:4000' });
    expect(msg).toContain('SUPAFLEET_SUPAVISOR_URL is "supavisor:4000"; expected an http(s) URL');
    expect(msg).toContain('SUPAFLEET_SUPAVISOR_JWT_SECRET');
  });

  it("when nothing is said about the smoke, then it connects to this host's Caddy (127.0.0.1:443) within 120 s", async () => {
    expect((await loadConfig(good, readText)).smoke).toEqual({
      edge: { connect: { address: '127.0.0.1', port: 443 } },
      stepTimeoutMs: 15_000,
      timeoutMs: 120_000,
    });
  });

  it('when the smoke is pointed elsewhere, at DNS, or given a CA, then the settings carry it', async () => {
    const c = await loadConfig(
      {
        ...good,
        SUPAFLEET_SMOKE_CONNECT: '10.0.0.5:8443',
        SUPAFLEET_SMOKE_CA_FILE: '/ca.pem',
        SUPAFLEET_SMOKE_TIMEOUT_S: '60',
      },
      readText,
    );
    expect(c.smoke).toEqual({
      edge: { connect: { address: '10.0.0.5', port: 8443 }, ca: CA_PEM },
      stepTimeoutMs: 15_000,
      timeoutMs: 60_000,
    });
    expect((await loadConfig({ ...good, SUPAFLEET_SMOKE_CONNECT: 'dns' }, readText)).smoke.edge).toEqual({});
  });

  it('when the smoke settings are malformed, then each is named with what is expected', async () => {
    const msg = await problems({
      ...good,
      SUPAFLEET_SMOKE_CONNECT: 'caddy',
      SUPAFLEET_SMOKE_CA_FILE: '/fleet.yaml',
      SUPAFLEET_SMOKE_TIMEOUT_S: '5',
    });
    expect(msg).toContain('SUPAFLEET_SMOKE_CONNECT is "caddy"; expected host:port');
    expect(msg).toContain('SUPAFLEET_SMOKE_CA_FILE /fleet.yaml holds no PEM certificate');
    expect(msg).toContain('SUPAFLEET_SMOKE_TIMEOUT_S is "5"; expected an integer from 10 to 900');
  });
});
