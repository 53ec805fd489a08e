/**
 * The Supavisor fake against the behaviours CONFORMANCE.md backs with Supavisor v2.7.4's
 * source. Each case names the row it proves, in parentheses.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSupavisor, type FakeSupavisor } from './server.ts';

const SECRET = 'fake-supavisor-api-jwt-secret-0000000000';
const NOW = new Date('2026-01-01T00:00:00Z');
const nowS = Math.floor(NOW.getTime() / 1000);

function jwt(claims: object, opts: { secret?: string; alg?: string; typ?: string | null } = {}): string {
  const alg = opts.alg ?? 'HS256';
  const header = { alg, ...(opts.typ === null ? {} : { typ: opts.typ ?? 'JWT' }) };
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const c = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const algo = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg] ?? 'sha256';
  const s = createHmac(algo, opts.secret ?? SECRET)
    .update(`${h}.${c}`)
    .digest('base64url');
  return `${h}.${c}.${s}`;
}
const good = () => jwt({ exp: nowS + 60 });

const tenantParams = (over: Record<string, unknown> = {}) => ({
  db_host: '10.100.0.2',
  db_port: 5432,
  db_database: 'postgres',
  require_user: false,
  auth_query: 'SELECT * FROM pgbouncer.get_auth($1)',
  default_pool_size: 20,
  default_max_clients: 100,
  users: [
    {
      db_user: 'pgbouncer',
      db_password: 'pgb-pass',
      mode_type: 'transaction',
      pool_size: 20,
      is_manager: true,
    },
  ],
  ...over,
});

describe('fake Supavisor (v2.7.4 tenant API)', () => {
  let sv: FakeSupavisor;
  beforeAll(async () => {
    sv = await startFakeSupavisor({ apiJwtSecret: SECRET, now: () => NOW });
  });
  afterAll(async () => {
    await sv.close();
  });
  beforeEach(() => {
    sv.tenants.clear();
    sv.terminated.length = 0;
    sv.failWith(null);
    sv.addDatabase({
      host: '10.100.0.2',
      port: 5432,
      database: 'postgres',
      version: 'PostgreSQL 15.8 on aarch64-unknown-linux-gnu, compiled by gcc',
      roles: { pgbouncer: 'pgb-pass', postgres: 'pg-pass' },
    });
  });

  const req = async (method: string, path: string, token: string | null, body?: unknown) => {
    const r = await fetch(`${sv.url}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return {
      status: r.status,
      text,
      json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
    };
  };

  it('(health) when /api/health is asked without a token, then it answers 204', async () => {
    expect((await req('GET', '/api/health', null)).status).toBe(204);
  });

  it.each([
    ['no token', null],
    ['a token signed with another secret', jwt({ exp: nowS + 60 }, { secret: 'other' })],
    ['an expired token', jwt({ exp: nowS - 1 })],
    ['a token without typ JWT', jwt({ exp: nowS + 60 }, { typ: null })],
    ['an RS256 header', jwt({ exp: nowS + 60 }, { alg: 'RS256' })],
  ])('(auth) when the call carries %s, then it is 403 with an empty body', async (_n, token) => {
    const r = await req('GET', '/api/tenants/acme', token);
    expect(r).toMatchObject({ status: 403, text: '' });
  });

  it('(auth) when the token is HS512 with a future exp, then it is accepted', async () => {
    expect((await req('GET', '/api/tenants/acme', jwt({ exp: nowS + 60 }, { alg: 'HS512' }))).status).toBe(
      404,
    );
  });

  it('(show) when the tenant does not exist, then GET is 404 {"error":"not found"}', async () => {
    expect(await req('GET', '/api/tenants/acme', good())).toMatchObject({
      status: 404,
      json: { error: 'not found' },
    });
  });

  it('(create) when PUT names a new tenant whose manager can log in, then it is 201 with the tenant, the server version read from the database and the defaults', async () => {
    const r = await req('PUT', '/api/tenants/acme', good(), { tenant: tenantParams() });
    expect(r.status).toBe(201);
    const data = (r.json as { data: Record<string, unknown> }).data;
    expect(data).toMatchObject({
      external_id: 'acme',
      db_host: '10.100.0.2',
      default_parameter_status: { server_version: '15.8' },
      allow_list: ['0.0.0.0/0', '::/0'],
      enforce_ssl: false,
      users: [
        {
          db_user: 'pgbouncer',
          db_user_alias: 'pgbouncer',
          db_password: 'pgb-pass',
          is_manager: true,
          mode_type: 'transaction',
          pool_checkout_timeout: 60000,
        },
      ],
    });
    expect((await req('GET', '/api/tenants/acme', good())).json).toEqual({ data });
  });

  it.each([
    [
      'the database is unreachable',
      tenantParams({ db_host: '10.100.0.9' }),
      "Can't connect the user pgbouncer",
    ],
    [
      'the password is wrong',
      tenantParams({ users: [{ ...tenantParams().users[0], db_password: 'x' }] }),
      "Can't connect the user pgbouncer",
    ],
    [
      'the one user is not a manager',
      tenantParams({ users: [{ ...tenantParams().users[0], is_manager: false }] }),
      "Can't use 'require_user' and 'auth_query' with non-manager user",
    ],
    [
      'there are two users',
      tenantParams({ users: [tenantParams().users[0], tenantParams().users[0]] }),
      "Can't use 'require_user' and 'auth_query' with multiple users",
    ],
    ['auth_query is missing', tenantParams({ auth_query: null }), 'No auth_query specified'],
  ])(
    '(check) when a create is asked and %s, then it is 400 {"error": ...} and nothing is stored',
    async (_n, params, error) => {
      const r = await req('PUT', '/api/tenants/acme', good(), { tenant: params });
      expect(r.status).toBe(400);
      expect(String((r.json as { error: string }).error)).toContain(error);
      expect(sv.tenants.has('acme')).toBe(false);
    },
  );

  it('(changeset) when a create lacks a user field, then it is 422 with the changeset errors', async () => {
    const r = await req('PUT', '/api/tenants/acme', good(), {
      tenant: tenantParams({
        db_database: '',
        users: [{ db_user: 'pgbouncer', db_password: 'pgb-pass', is_manager: true }],
      }),
    });
    expect(r.status).toBe(400); // the check fails first: no database "" on that host
    const r2 = await req('PUT', '/api/tenants/acme', good(), {
      tenant: tenantParams({ users: [{ db_user: 'pgbouncer', db_password: 'pgb-pass', is_manager: true }] }),
    });
    expect(r2).toMatchObject({
      status: 422,
      json: { errors: { users: [{ pool_size: ["can't be blank"], mode_type: ["can't be blank"] }] } },
    });
  });

  it('(update) when PUT names an existing tenant, then it is 200, no credential check runs, and the pools are stopped', async () => {
    await req('PUT', '/api/tenants/acme', good(), { tenant: tenantParams() });
    sv.removeDatabase('10.100.0.2', 5432);
    const r = await req('PUT', '/api/tenants/acme', good(), {
      tenant: tenantParams({ db_host: '10.100.0.7' }),
    });
    expect(r.status).toBe(200);
    expect((r.json as { data: { db_host: string } }).data.db_host).toBe('10.100.0.7');
    expect(sv.terminated).toEqual(['acme']);
  });

  it('(body) when PUT has no "tenant" object, then it is 400', async () => {
    expect((await req('PUT', '/api/tenants/acme', good(), tenantParams())).status).toBe(400);
  });

  it('(delete) when DELETE names a tenant, then 204 with an empty body; again, 404', async () => {
    await req('PUT', '/api/tenants/acme', good(), { tenant: tenantParams() });
    expect(await req('DELETE', '/api/tenants/acme', good())).toMatchObject({ status: 204, text: '' });
    expect(await req('DELETE', '/api/tenants/acme', good())).toMatchObject({ status: 404, text: '' });
  });
});
