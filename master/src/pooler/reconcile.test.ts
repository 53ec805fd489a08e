/**
 * The periodic tenant reconcile against the Supavisor fake (fakes/supavisor, Supavisor v2.7.4).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../../core/seal/index.ts';
import { startFakeSupavisor, type FakeSupavisor } from '../../../fakes/supavisor/server.ts';
import { createSupavisorClient } from './client.ts';
import { createPoolerReconciler, type EnrolledProject } from './reconcile.ts';
import { createPoolerTenants } from './sync.ts';

const API_SECRET = 'reconcile-test-api-jwt-secret-0000000000';
const PASSWORDS: Record<string, string> = { acme: 'acme-pgbouncer-pw-1', blog: 'blog-pgbouncer-pw-2' };

describe('pooler tenant reconcile', () => {
  let sv: FakeSupavisor;
  let out = '';
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString('utf8');
        cb();
      },
    }),
  );
  let projects: EnrolledProject[] = [];
  const reconciler = () =>
    createPoolerReconciler({
      pooler: createPoolerTenants(
        createSupavisorClient({ baseUrl: sv.url, jwtSecret: new Secret(API_SECRET), timeoutMs: 3000 }),
        { transaction: 6543, session: 5433 },
      ),
      enrolled: async () => projects,
      pgbouncerPassword: async (p) => new Secret(PASSWORDS[p]!),
      log,
    });

  beforeAll(async () => {
    sv = await startFakeSupavisor({ apiJwtSecret: API_SECRET });
  });
  afterAll(async () => {
    await sv.close();
  });
  beforeEach(() => {
    sv.tenants.clear();
    sv.terminated.length = 0;
    out = '';
    projects = [
      { project: 'acme', status: 'active', wgIp: '10.100.0.2' },
      { project: 'blog', status: 'active', wgIp: '10.100.0.3' },
      { project: 'gone', status: 'deleted', wgIp: '10.100.0.4' },
    ];
    sv.addDatabase({
      host: '10.100.0.2',
      port: 5432,
      database: 'postgres',
      version: 'PostgreSQL 15.8',
      roles: { pgbouncer: PASSWORDS.acme! },
    });
  });

  it('when one worker database answers and one does not, then the first gets its tenant and the second is reported, then made on a later run once it answers', async () => {
    const r = reconciler();
    const first = await r.run();
    expect(first.synced).toEqual([{ project: 'acme', state: 'created' }]);
    expect(first.failed.map((f) => f.project)).toEqual(['blog']);
    expect(sv.tenants.has('gone')).toBe(false);
    sv.addDatabase({
      host: '10.100.0.3',
      port: 5432,
      database: 'postgres',
      version: 'PostgreSQL 15.8',
      roles: { pgbouncer: PASSWORDS.blog! },
    });
    const second = await r.run();
    expect(second.synced).toEqual([
      { project: 'acme', state: 'unchanged' },
      { project: 'blog', state: 'created' },
    ]);
    expect(second.failed).toEqual([]);
    expect(sv.terminated).toEqual([]);
    for (const pw of Object.values(PASSWORDS)) expect(out).not.toContain(pw);
  });

  it('when the registry cannot be read, then the run reports it and does not reject', async () => {
    const r = createPoolerReconciler({
      pooler: createPoolerTenants(
        createSupavisorClient({ baseUrl: sv.url, jwtSecret: new Secret(API_SECRET) }),
        {
          transaction: 6543,
          session: 5433,
        },
      ),
      enrolled: () => Promise.reject(new Error('registry down')),
      pgbouncerPassword: async () => new Secret('x'),
      log,
    });
    expect(await r.run()).toEqual({ synced: [], failed: [], error: 'registry down' });
  });

  it('when started and stopped, then stop waits for the run under way and no timer is left', async () => {
    const r = reconciler();
    r.start(3600);
    const run = r.run();
    await r.stop();
    expect((await run).synced.length).toBeGreaterThan(0);
  });
});
