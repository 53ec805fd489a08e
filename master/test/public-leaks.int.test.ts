import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { createApp } from '../src/app.ts';
import { spec, startLab, type Lab, type LabDeps } from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping public leak tests: ${skip}`);

/**
 * Attack (security audit L1): through Caddy, /metrics listed every project's name and counters,
 * and /badges answered 200 or 404, telling anyone which projects exist. Caddy always sets
 * X-Forwarded-For, so "through Caddy" is a loopback request carrying that header.
 */
describe.skipIf(skip !== undefined)('what the public surface tells an anonymous caller', () => {
  let lab: Lab;
  let l: LabDeps;
  let pub: ReturnType<typeof createApp>;
  const viaCaddy = (path: string) => request(pub).get(path).set('X-Forwarded-For', '198.51.100.9');

  beforeAll(async () => {
    lab = await startLab();
    l = await lab.newDeps({ settings: { publicBadges: ['open'] } });
    pub = createApp(l.deps, 'public');
    const w = await l.token('write');
    for (const name of ['hidden', 'open']) {
      const r = await request(pub)
        .put(`/v1/projects/${name}`)
        .set('Authorization', `Bearer ${w}`)
        .send(spec(name));
      expect(r.status).toBe(201);
    }
    // something for the counters to show
    await request(pub).get('/badges/hidden.json');
  });
  afterAll(async () => {
    await l?.close();
    await lab?.close();
  });

  it('when /metrics is asked through Caddy without a token, then 401 and no metric', async () => {
    const r = await viaCaddy('/metrics');
    expect(r.status).toBe(401);
    expect(r.text).not.toContain('supafleet_');
    expect(r.text).not.toContain('hidden');
  });

  it('when /metrics is asked through Caddy with a read token, then it is served', async () => {
    const r = await viaCaddy('/metrics').set('Authorization', `Bearer ${await l.token('read')}`);
    expect(r.status).toBe(200);
    expect(r.text).toContain('supafleet_master_http_requests_total');
  });

  it('when /metrics is asked on loopback without forwarding headers (a scraper on the master), then it is served', async () => {
    const r = await request(pub).get('/metrics');
    expect(r.status).toBe(200);
    expect(r.text).toContain('supafleet_master_http_requests_total');
  });

  it('when the badge of a registered project that did not opt in is asked, then the answer is that of an unknown name', async () => {
    const hidden = await viaCaddy('/badges/hidden.json');
    const unknown = await viaCaddy('/badges/nosuchproject.json');
    expect(hidden.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(hidden.text).toBe(unknown.text);
    expect(hidden.text).not.toContain('hidden');
    expect(hidden.headers['cache-control']).toBe(unknown.headers['cache-control']);
  });

  it('when the badge of a project that opted in is asked, then it carries its name and state, no counter', async () => {
    const r = await viaCaddy('/badges/open.json');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      schemaVersion: 1,
      label: 'open',
      message: 'provisioning',
      color: 'blue',
      cacheSeconds: 300,
    });
  });
});
