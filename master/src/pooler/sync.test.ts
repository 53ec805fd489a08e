/**
 * The master's Supavisor client and tenant sync against the Supavisor fake
 * (fakes/supavisor, modelled on Supavisor v2.7.4; see its CONFORMANCE.md).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../../core/seal/index.ts';
import { startFakeSupavisor, type FakeSupavisor } from '../../../fakes/supavisor/server.ts';
import { createSupavisorClient, SupavisorApiError } from './client.ts';
import { createPoolerTenants } from './sync.ts';
import { AUTH_QUERY } from './tenant.ts';
import type { PoolerTenants } from './types.ts';

const API_SECRET = 'master-api-jwt-secret-for-the-test-0000';
const PGB = 'pgbouncer-password-7d1f0c9e2b4a';

describe('pooler tenants (Supavisor management API)', () => {
  let sv: FakeSupavisor;
  let pooler: PoolerTenants;
  beforeAll(async () => {
    sv = await startFakeSupavisor({ apiJwtSecret: API_SECRET });
    pooler = createPoolerTenants(
      createSupavisorClient({ baseUrl: sv.url, jwtSecret: new Secret(API_SECRET) }),
      {
        transaction: 6543,
        session: 5432,
      },
    );
  });
  afterAll(async () => {
    await sv.close();
  });
  beforeEach(() => {
    sv.tenants.clear();
    sv.requests.length = 0;
    sv.terminated.length = 0;
    sv.failWith(null);
    for (const host of ['10.100.0.2', '10.100.0.5']) {
      sv.addDatabase({
        host,
        port: 5432,
        database: 'postgres',
        version: 'PostgreSQL 15.8 on x86_64-pc-linux-gnu',
        roles: { pgbouncer: PGB, postgres: 'pg' },
      });
    }
  });

  const input = (wgIp = '10.100.0.2') => ({ name: 'acme', wgIp, pgbouncerPassword: new Secret(PGB) });

  it('when a project is synced for the first time, then a tenant named after it points at the worker with upstream’s shape', async () => {
    expect(await pooler.sync(input())).toBe('created');
    expect(sv.tenants.get('acme')).toMatchObject({
      external_id: 'acme',
      db_host: '10.100.0.2',
      db_port: 5432,
      db_database: 'postgres',
      require_user: false,
      auth_query: AUTH_QUERY,
      default_pool_size: 20,
      default_max_clients: 100,
      users: [
        { db_user: 'pgbouncer', db_password: PGB, is_manager: true, mode_type: 'transaction', pool_size: 20 },
      ],
    });
  });

  it('when nothing changed, then a second sync reads and writes nothing, so live pools are not stopped', async () => {
    await pooler.sync(input());
    sv.requests.length = 0;
    expect(await pooler.sync(input())).toBe('unchanged');
    expect(sv.requests.map((r) => r.method)).toEqual(['GET']);
    expect(sv.terminated).toEqual([]);
  });

  it('when the worker’s wg address changed, then the tenant is updated to it', async () => {
    await pooler.sync(input());
    expect(await pooler.sync(input('10.100.0.5'))).toBe('updated');
    expect(sv.tenants.get('acme')?.db_host).toBe('10.100.0.5');
    expect(sv.terminated).toEqual(['acme']);
  });

  it('when the project is removed, then its tenant is deleted, and removing it again is fine', async () => {
    await pooler.sync(input());
    expect(await pooler.remove('acme')).toBe(true);
    expect(sv.tenants.has('acme')).toBe(false);
    expect(await pooler.remove('acme')).toBe(false);
  });

  it('when the worker database is not reachable yet, then the sync fails with Supavisor’s reason and no password', async () => {
    sv.removeDatabase('10.100.0.2', 5432);
    const err = await pooler.sync(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SupavisorApiError);
    expect((err as Error).message).toContain('answered 400');
    expect((err as Error).message).toContain("Can't connect the user pgbouncer");
    expect((err as Error).message).not.toContain(PGB);
  });

  it('when the master’s token is signed with another secret, then the error says the token was refused', async () => {
    const wrong = createPoolerTenants(
      createSupavisorClient({ baseUrl: sv.url, jwtSecret: new Secret('nope') }),
      pooler.ports,
    );
    await expect(wrong.sync(input())).rejects.toThrow(/answered 403: the API token was refused/);
  });

  it('when Supavisor does not answer, then the error names the call', async () => {
    const down = createPoolerTenants(
      createSupavisorClient({
        baseUrl: 'http://127.0.0.1:9',
        jwtSecret: new Secret(API_SECRET),
        timeoutMs: 2000,
      }),
      pooler.ports,
    );
    await expect(down.sync(input())).rejects.toThrow(/Supavisor GET \/api\/tenants\/acme did not answer/);
  });
});
