/**
 * The master's Studio front against a real registry: "Open in Studio" for a registered project
 * starts that project's Studio with that project's own settings (read from the registry and its
 * decrypted secrets), shows a self-refreshing page while it starts, then serves it; Caddy's TLS
 * ask approves the Studio host of a registered project only. The Docker runtime is a recorder
 * that stands a loopback server in for each started Studio (the Studio image cannot run here).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpOnLoopback } from '../../test/support/http-on-loopback.ts';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { createApp } from '../src/app.ts';
import { projectSecrets } from '../src/projects.ts';
import type { StudioPlacement, StudioRuntime } from '../src/studio/runtime.ts';
import { startStudioFront, type RunningStudioFront } from '../src/studio/service.ts';
import { studioEnvList, type StudioSettings } from '../src/studio/settings.ts';
import { spec, startLab, type Lab, type LabDeps } from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping the Studio front integration test: ${skip}`);

/** Stands a loopback server in for every Studio the pool starts, answering upstream's health path. */
function recordingRuntime() {
  const started: { settings: StudioSettings; at: StudioPlacement }[] = [];
  const servers = new Map<string, Server>();
  const runtime: StudioRuntime = {
    async start(settings, at) {
      started.push({ settings, at });
      const server = createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(req.url === '/api/platform/profile' ? '{}' : `studio of ${settings.project} at ${req.url}`);
      });
      await new Promise<void>((r) => server.listen(at.port, '127.0.0.1', r));
      servers.set(settings.container, server);
    },
    async remove(container) {
      const s = servers.get(container);
      servers.delete(container);
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
    async list() {
      return [...servers.keys()];
    },
  };
  return { runtime, started, servers };
}

describe.skipIf(skip !== undefined)('the master’s Studio front, with a real registry', () => {
  let lab: Lab;
  let l: LabDeps;
  let front: RunningStudioFront;
  const rec = recordingRuntime();
  let write: string;

  beforeAll(async () => {
    lab = await startLab();
    l = await lab.newDeps();
    write = await l.token('write', 'ci');
    const pub = createApp(l.deps, 'public');
    for (const name of ['acme', 'blog']) {
      const r = await request(pub)
        .put(`/v1/projects/${name}`)
        .set('Authorization', `Bearer ${write}`)
        .send(spec(name));
      expect(r.status).toBe(201);
    }
    // a free block of loopback ports for the Studios
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const portBase = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    front = await startStudioFront(
      l.deps,
      {
        dockerUrl: 'http://unused.invalid',
        listen: { host: '127.0.0.1', port: 0 },
        network: 'supafleet-studio',
        max: 2,
        memoryMb: 384,
        idleMinutes: 15,
        portBase,
      },
      pino({ level: 'silent' }),
      rec.runtime,
    );
  }, 60_000);

  afterAll(async () => {
    await front?.close();
    await l?.close();
    await lab?.close();
  });

  const get = (host: string, path: string) => {
    const [, port] = front.address.split(':');
    return httpOnLoopback({ host, port: Number(port), path });
  };

  /** Asks until the Studio serves (bounded: 100 tries, 50 ms apart). */
  const open = async (host: string, path: string) => {
    for (let i = 0; i < 100; i++) {
      const r = await get(host, path);
      if (r.status !== 503) return r;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`${host} still starting after 100 tries`);
  };

  it("when acme's Studio is opened, then it starts with acme's own settings from the registry, and serves acme", async () => {
    const first = await get('studio-acme.admin.example.com', '/project/default');
    expect(first.status).toBe(503);
    expect(first.text).toContain('Starting Studio for acme');
    const r = await open('studio-acme.admin.example.com', '/project/default');
    expect(r.status).toBe(200);
    expect(r.text).toBe('studio of acme at /project/default');

    const started = rec.started.find((s) => s.settings.project === 'acme')!;
    const env = Object.fromEntries(
      studioEnvList(started.settings).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    const secrets = await projectSecrets(l.deps, l.deps.registry, 'acme');
    expect(env).toMatchObject({
      DEFAULT_ORGANIZATION_NAME: 'prod',
      DEFAULT_PROJECT_NAME: 'acme',
      STUDIO_PG_META_URL: 'https://acme.example.com/pg',
      SUPABASE_URL: 'https://acme.example.com',
      POSTGRES_PASSWORD: secrets.postgres_password,
      PG_META_CRYPTO_KEY: secrets.pg_meta_crypto_key,
      SUPABASE_SERVICE_KEY: secrets.service_role_key,
      SUPABASE_ANON_KEY: secrets.anon_key,
      AUTH_JWT_SECRET: secrets.jwt_secret,
    });
    expect(started.at.memoryMb).toBe(384);
  });

  it("when blog's Studio is opened too, then it is blog's, on its own port, and holds none of acme's secrets", async () => {
    const r = await open('studio-blog.admin.example.com', '/');
    expect(r.text).toBe('studio of blog at /');
    const [acme, blog] = ['acme', 'blog'].map((n) => rec.started.find((s) => s.settings.project === n)!);
    expect(blog!.at.port).not.toBe(acme!.at.port);
    const acmeSecrets = await projectSecrets(l.deps, l.deps.registry, 'acme');
    const blogEnv = studioEnvList(blog!.settings).join('\n');
    for (const v of [
      acmeSecrets.postgres_password,
      acmeSecrets.pg_meta_crypto_key,
      acmeSecrets.service_role_key,
      acmeSecrets.jwt_secret,
    ]) {
      expect(blogEnv).not.toContain(v);
    }
    expect((await get('studio-acme.admin.example.com', '/')).text).toBe('studio of acme at /');
  });

  it('when the host names a project that is not registered, then 404 and no Studio starts', async () => {
    const before = rec.started.length;
    expect((await get('studio-nope.admin.example.com', '/')).status).toBe(404);
    expect(rec.started).toHaveLength(before);
  });

  it("when Caddy asks for a certificate, then a registered project's Studio host gets one, any other name in the zone does not", async () => {
    const pub = createApp(l.deps, 'public');
    l.deps.hosts.invalidate();
    expect((await request(pub).get('/v1/tls/ask?domain=studio-acme.admin.example.com')).status).toBe(200);
    expect((await request(pub).get('/v1/tls/ask?domain=STUDIO-blog.admin.example.com.')).status).toBe(200);
    expect((await request(pub).get('/v1/tls/ask?domain=studio-nope.admin.example.com')).status).toBe(404);
    expect((await request(pub).get('/v1/tls/ask?domain=studio.admin.example.com')).status).toBe(404);
    // a project's name is not a project host, nor its Studio label
    expect((await request(pub).get('/v1/tls/ask?domain=studio-acme.example.com')).status).toBe(404);
  });

  it('when acme is deleted from the registry, then its running Studio is removed with the delete, and its Studio host is no longer served', async () => {
    const write = await l.token('write', 'ci');
    expect(rec.servers.has('supafleet-studio-acme')).toBe(true);
    const r = await request(createApp(l.deps, 'public'))
      .delete('/v1/projects/acme')
      .set('Authorization', `Bearer ${write}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ deleted: true });
    expect(rec.servers.has('supafleet-studio-acme')).toBe(false);
    expect(front.pool.running()).toEqual(['blog']);
    const before = rec.started.length;
    expect((await get('studio-acme.admin.example.com', '/')).status).toBe(404);
    expect(rec.started).toHaveLength(before);
  });

  it('when the front closes, then every Studio it started is removed', async () => {
    await front.close();
    expect(rec.servers.size).toBe(0);
  });
});
