/**
 * The master API keeps one Supavisor tenant per project (issue 12, B2), against the Supavisor
 * fake (fakes/supavisor, modelled on Supavisor v2.7.4; see its CONFORMANCE.md): made once the
 * worker has enrolled and its database answers, left alone when unchanged, deleted with the
 * project; a failing Supavisor is reported by the upsert and never fails it.
 */
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateSealKeypair, Secret } from '../../core/seal/index.ts';
import { startFakeSupavisor, type FakeSupavisor } from '../../fakes/supavisor/server.ts';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { createApp } from '../src/app.ts';
import { createSupavisorClient } from '../src/pooler/client.ts';
import { createPoolerTenants } from '../src/pooler/sync.ts';
import { projectSecrets } from '../src/projects.ts';
import { spec, startLab, type Lab, type LabDeps } from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping pooler tenant tests: ${skip}`);

const API_SECRET = 'supavisor-api-jwt-secret-of-the-test-00';
let keyCounter = 40;

describe.skipIf(skip !== undefined)('Supavisor tenants through the master API', () => {
  let lab: Lab;
  let l: LabDeps;
  let sv: FakeSupavisor;
  let app: ReturnType<typeof createApp>;
  let write: string;
  let admin: string;

  beforeAll(async () => {
    lab = await startLab();
    l = await lab.newDeps();
    sv = await startFakeSupavisor({ apiJwtSecret: API_SECRET });
    const pooler = createPoolerTenants(
      createSupavisorClient({ baseUrl: sv.url, jwtSecret: new Secret(API_SECRET), timeoutMs: 3000 }),
      { transaction: 6543, session: 5433 },
    );
    app = createApp({ ...l.deps, pooler }, 'public');
    write = await l.token('write');
    admin = await l.token('admin');
  });
  afterAll(async () => {
    await sv?.close();
    await l?.close();
    await lab?.close();
  });
  beforeEach(() => {
    sv.failWith(null);
    sv.requests.length = 0;
    sv.terminated.length = 0;
  });

  const put = (name: string, query = '') =>
    request(app).put(`/v1/projects/${name}${query}`).set('Authorization', `Bearer ${write}`).send(spec(name));

  /** Registers and enrolls a project; its worker database answers Supavisor unless `dbUp` is false. */
  const enrolled = async (name: string, dbUp = true) => {
    const r = await put(name, '?enrollment_token=true');
    expect(r.status).toBe(201);
    expect(r.body.pooler).toMatchObject({ state: 'skipped' });
    const seal = await generateSealKeypair();
    const e = await request(app)
      .post('/v1/enroll')
      .send({
        token: r.body.enrollment.token,
        wg_public_key: Buffer.alloc(32, ++keyCounter).toString('base64'),
        seal_public_key: seal.publicKey,
      });
    expect(e.status).toBe(200);
    const ip = (e.body.wg.address as string).split('/')[0]!;
    const secrets = await projectSecrets(l.deps, l.deps.registry, name);
    if (dbUp) {
      sv.addDatabase({
        host: ip,
        port: 5432,
        database: 'postgres',
        version: 'PostgreSQL 15.8 on x86_64-pc-linux-gnu',
        roles: { pgbouncer: secrets.role_passwords.pgbouncer, postgres: secrets.postgres_password },
      });
    }
    return { ip, secrets };
  };

  it('when a project is upserted before its worker enrolled, then no tenant is made and the upsert says so', async () => {
    const r = await put('early');
    expect(r.status).toBe(201);
    expect(r.body.pooler).toEqual({
      state: 'skipped',
      message: 'the worker has not enrolled yet; its tenant is made once it has',
    });
    expect(sv.tenants.has('early')).toBe(false);
  });

  it('when an enrolled project is upserted, then its tenant points at the worker over wg with the pgbouncer manager', async () => {
    const { ip, secrets } = await enrolled('acme');
    const r = await put('acme');
    expect(r.status).toBe(200);
    expect(r.body.pooler).toEqual({ state: 'created' });
    expect(sv.tenants.get('acme')).toMatchObject({
      db_host: ip,
      db_port: 5432,
      db_database: 'postgres',
      require_user: false,
      auth_query: 'SELECT * FROM pgbouncer.get_auth($1)',
      users: [{ db_user: 'pgbouncer', db_password: secrets.role_passwords.pgbouncer, is_manager: true }],
    });
  });

  it('when the same project is upserted again, then the tenant is left alone (its pools keep running)', async () => {
    const r = await put('acme');
    expect(r.body.pooler).toEqual({ state: 'unchanged' });
    expect(sv.requests.map((x) => x.method)).toEqual(['GET']);
    expect(sv.terminated).toEqual([]);
  });

  it('when the tenant in Supavisor points elsewhere, then the next upsert puts the worker’s wg address back', async () => {
    const ip = sv.tenants.get('acme')!.db_host;
    sv.tenants.get('acme')!.db_host = '10.9.9.9';
    const r = await put('acme');
    expect(r.body.pooler).toEqual({ state: 'updated' });
    expect(sv.tenants.get('acme')!.db_host).toBe(ip);
  });

  it('when the worker database does not answer yet, then the upsert succeeds and reports the failure without a secret; the routes reconcile later makes the tenant', async () => {
    const { ip, secrets } = await enrolled('blog', false);
    const r = await put('blog');
    expect(r.status).toBe(200);
    expect(r.body.pooler.state).toBe('failed');
    expect(r.body.pooler.message).toContain("Can't connect the user pgbouncer");
    for (const v of [secrets.role_passwords.pgbouncer, secrets.postgres_password, API_SECRET]) {
      expect(JSON.stringify(r.body)).not.toContain(v);
      expect(l.logs.text()).not.toContain(v);
    }
    sv.addDatabase({
      host: ip,
      port: 5432,
      database: 'postgres',
      version: 'PostgreSQL 15.8 on x86_64-pc-linux-gnu',
      roles: { pgbouncer: secrets.role_passwords.pgbouncer },
    });
    const routes = await request(app).put('/v1/projects/blog/routes').set('Authorization', `Bearer ${write}`);
    expect(routes.status).toBe(200);
    expect(routes.body.pooler).toEqual({ state: 'created' });
    expect(sv.tenants.get('blog')?.db_host).toBe(ip);
  });

  it('when Supavisor fails, then the upsert still succeeds and says the tenant sync failed', async () => {
    sv.failWith(503);
    const r = await put('acme');
    expect(r.status).toBe(200);
    expect(r.body.pooler).toMatchObject({
      state: 'failed',
      message: expect.stringContaining('answered 503'),
    });
  });

  it('when an admin asks for credentials, then they carry the pooled and session connection strings', async () => {
    const r = await request(app).get('/v1/projects/acme/credentials').set('Authorization', `Bearer ${admin}`);
    expect(r.status).toBe(200);
    const pw = r.body.postgres_password as string;
    expect(r.body.postgres_url_pooled).toBe(`postgres://postgres.acme:${pw}@acme.example.com:6543/postgres`);
    expect(r.body.postgres_url_session).toBe(`postgres://postgres.acme:${pw}@acme.example.com:5433/postgres`);
  });

  it('when Supavisor fails during a delete, then the delete fails and the project stays for a retry, which removes the tenant', async () => {
    sv.failWith(503);
    const del = () => request(app).delete('/v1/projects/acme').set('Authorization', `Bearer ${write}`);
    const r = await del();
    expect(r.status).toBe(502);
    expect(r.body.error.message).toContain('removing the Supavisor tenant of acme failed');
    expect((await l.deps.registry.getProject('acme'))?.status).toBe('active');
    sv.failWith(null);
    expect((await del()).status).toBe(200);
    expect(sv.tenants.has('acme')).toBe(false);
    expect((await l.deps.registry.getProject('acme'))?.status).toBe('deleted');
  });

  it('when a project whose tenant is already gone is deleted, then the delete succeeds', async () => {
    sv.tenants.delete('blog');
    const r = await request(app).delete('/v1/projects/blog').set('Authorization', `Bearer ${write}`);
    expect(r.status).toBe(200);
  });
});
