import type { AddressInfo } from 'node:net';
import { request as httpRequest, Agent, type Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { createApp } from '../src/app.ts';
import { spec, startLab, type Lab, type LabDeps } from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping public rate limit tests: ${skip}`);

/**
 * Attacks (security audit M5): the public limiter refused every new client once 50,000 addresses
 * had called, and Caddy's TLS asks shared one loopback budget, so about 120 junk SNIs a minute
 * stopped certificates for new projects. The limiter now evicts its oldest clients, keys IPv6 by
 * /64, and the TLS ask has no budget: it is answered from memory.
 */
describe.skipIf(skip !== undefined)('the public rate limiter under attack', () => {
  let lab: Lab;
  let l: LabDeps;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    lab = await startLab();
    l = await lab.newDeps();
    const app = createApp(l.deps, 'public');
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const w = await l.token('write');
    expect(
      (await request(app).put('/v1/projects/shop').set('Authorization', `Bearer ${w}`).send(spec('shop')))
        .status,
    ).toBe(201);
  });
  afterAll(async () => {
    server?.close();
    await l?.close();
    await lab?.close();
  });

  /** One request as Caddy forwards it for client `ip` (Caddy sets X-Forwarded-For). */
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const get = (path: string, ip: string, method = 'GET'): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        `${base}${path}`,
        { method, agent, headers: { 'x-forwarded-for': ip, 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.end(method === 'POST' ? '{}' : undefined);
    });

  it('when 50,000 distinct clients have called, then a new client is still served', async () => {
    const total = 50_000;
    const deadline = Date.now() + 150_000;
    let next = 0;
    const statuses = new Map<number, number>();
    const worker = async () => {
      while (next < total && Date.now() < deadline) {
        const i = next++;
        const s = await get('/badges/shop.json', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(next).toBe(total);
    expect(statuses.get(429) ?? 0).toBe(0);
    // a worker enrolling from a new address: refused for its (empty) body, not rate limited
    expect(await get('/v1/enroll', '203.0.113.77', 'POST')).toBe(400);
    expect(await get('/badges/shop.json', '203.0.113.78')).not.toBe(429);
  }, 180_000);

  it('when 125 asks for junk names come first, then a registered host is still answered 200, without a query per ask', async () => {
    const app = createApp(l.deps, 'public');
    let queries = 0;
    const pool = l.deps.registry.pool as unknown as { query: (...a: unknown[]) => unknown };
    const real = pool.query.bind(pool);
    pool.query = (...a: unknown[]) => {
      queries++;
      return real(...a);
    };
    try {
      for (let i = 0; i < 125; i++) {
        const r = await request(app).get(`/v1/tls/ask?domain=junk${i}.example.com`);
        expect(r.status).toBe(404);
      }
      expect((await request(app).get('/v1/tls/ask?domain=shop.example.com')).status).toBe(200);
    } finally {
      pool.query = real;
    }
    expect(queries).toBeLessThanOrEqual(1);
  });

  it('when one IPv6 /64 calls from many addresses, then it shares one budget', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 121; i++)
      codes.push(await get('/badges/shop.json', `2001:db8:5:7:${i.toString(16)}::1`));
    expect(codes.slice(0, 120).every((c) => c !== 429)).toBe(true);
    expect(codes[120]).toBe(429);
    expect(await get('/badges/shop.json', '2001:db8:5:8::1')).not.toBe(429);
  });
});
