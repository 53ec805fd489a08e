/**
 * The lab's Studio runtime and stand-in: a real stand-in process started through the runtime with
 * the settings the master renders for a project, answering Studio's health check, and listing
 * tables from a pg-meta behind an HTTPS edge on a unix socket (an echo standing in for Caddy,
 * Kong and pg-meta) with the request Studio's server sends (fakes/studio/server.ts); and the
 * lab's Studio front settings, read from the lab master's environment.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STUDIO_FRONT_LISTEN } from '../../../cloud-init/master/layout.ts';
import { Secret } from '../../../core/seal/secret.ts';
import { studioEnvList, studioSettings } from '../../../master/src/studio/settings.ts';
import { studioTablesRequest } from '../../../fakes/studio/server.ts';
import { isAlive } from '../commands.ts';
import { makeCertificate } from '../tls.ts';
import { labStudioConfig, labStudioFromEnv } from './front.ts';
import { createLabStudioRuntime, standinEnv } from './runtime.ts';

const settings = studioSettings(
  { name: 'example', domain: 'example.com' },
  {
    name: 'acme',
    subdomain: 'acme',
    postgresPassword: new Secret('pg-password-of-acme'),
    pgMetaCryptoKey: new Secret('crypto-key-of-acme'),
    anonKey: new Secret('anon-key-of-acme'),
    serviceRoleKey: new Secret('service-key-of-acme'),
    jwtSecret: new Secret('jwt-secret-of-acme'),
  },
);

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("the lab master's Studio settings", () => {
  it('when no LAB_STUDIO_* variable is set, then the lab master runs no Studio front', () => {
    expect(labStudioFromEnv({})).toBeUndefined();
  });

  it('when only some are set, then it names the missing ones', () => {
    expect(() => labStudioFromEnv({ LAB_STUDIO_FRONT_SOCKET: '/x.sock' })).toThrow(
      /LAB_STUDIO_EDGE_SOCKET, LAB_STUDIO_EDGE_CA, LAB_STUDIO_LOG_DIR not set/,
    );
  });

  it("when all are set, then the front listens where a master's does, for every example project at once", () => {
    expect(
      labStudioFromEnv({
        LAB_STUDIO_FRONT_SOCKET: '/l/front.sock',
        LAB_STUDIO_EDGE_SOCKET: '/l/edge.sock',
        LAB_STUDIO_EDGE_CA: '/l/ca.crt',
        LAB_STUDIO_LOG_DIR: '/l',
      }),
    ).toEqual({
      frontSocket: '/l/front.sock',
      edgeSocket: '/l/edge.sock',
      edgeCa: '/l/ca.crt',
      logDir: '/l',
    });
    const c = labStudioConfig();
    expect(`${c.listen.host}:${c.listen.port}`).toBe(STUDIO_FRONT_LISTEN);
    expect(c.max).toBeGreaterThanOrEqual(3);
  });

  it("when a stand-in's environment is made, then it is the rendered settings, revealed as Docker gets them, plus the lab's three variables", () => {
    const env = standinEnv(
      settings,
      { port: 3105, memoryMb: 384 },
      { edgeSocket: '/l/edge.sock', edgeCa: '/l/ca.crt', baseEnv: { PATH: '/usr/bin' } },
    );
    const lab = {
      LAB_STUDIO_LISTEN: '127.0.0.1:3105',
      LAB_STUDIO_EDGE_SOCKET: '/l/edge.sock',
      LAB_STUDIO_EDGE_CA: '/l/ca.crt',
    };
    const rendered = Object.fromEntries(
      studioEnvList(settings).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).toEqual({ PATH: '/usr/bin', ...rendered, ...lab });
    expect(env.SUPABASE_SERVICE_KEY).toBe('service-key-of-acme');
    expect(env.STUDIO_PG_META_URL).toBe('https://acme.example.com/pg');
  });
});

describe("the lab's Studio runtime and stand-in", () => {
  let dir: string;
  let edge: Server;
  const seen: { path: string; headers: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'studio-standin-'));
    const { cert, key } = makeCertificate(dir, 'acme.example.com');
    writeFileSync(join(dir, 'ca.crt'), readPem(cert));
    edge = createHttpsServer({ cert: readPem(cert), key: readPem(key) }, (req, res) => {
      seen.push({ path: req.url ?? '', headers: req.headers });
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify([
          { schema: 'public', name: 'orders' },
          { schema: 'supafleet', name: 'smoke' },
        ]),
      );
    });
    await new Promise<void>((r) => edge.listen(join(dir, 'edge.sock'), () => r()));
  });

  afterAll(async () => {
    edge.closeAllConnections();
    await new Promise<void>((r) => edge.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("when a project's Studio is started, then it answers Studio's health check and lists the tables its pg-meta returns for Studio's table request; removed, it is gone", async () => {
    const runtime = createLabStudioRuntime({
      edgeSocket: join(dir, 'edge.sock'),
      edgeCa: join(dir, 'ca.crt'),
      logDir: dir,
      baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    const port = await freePort();
    await runtime.start(settings, { port, memoryMb: 384 });
    try {
      expect(await runtime.list()).toEqual(['supafleet-studio-acme']);
      let ok = false;
      for (let n = 0; n < 100 && !ok; n++) {
        ok = await fetch(`http://127.0.0.1:${port}/api/platform/profile`, {
          signal: AbortSignal.timeout(1000),
        })
          .then((r) => r.ok)
          .catch(() => false);
        if (!ok) await new Promise((r) => setTimeout(r, 200));
      }
      expect(ok).toBe(true);
      const page = await (await fetch(`http://127.0.0.1:${port}/project/default/editor`)).text();
      expect(page).toContain('<li data-table="public.orders">public.orders</li>');
      expect(page).toContain('<b id="studio-project">acme</b>');
      const want = studioTablesRequest(
        Object.fromEntries(
          studioEnvList(settings).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        ),
        { include_columns: 'false' },
      );
      expect(seen).toHaveLength(1);
      expect(`https://acme.example.com${seen[0]!.path}`).toBe(want.url);
      expect(seen[0]!.headers.host).toBe('acme.example.com');
      expect(seen[0]!.headers.apikey).toBe('service-key-of-acme');
      expect((await fetch(`http://127.0.0.1:${port}/elsewhere`)).status).toBe(404);
    } finally {
      const pid = runtime.pids()['supafleet-studio-acme'];
      await runtime.remove('supafleet-studio-acme');
      expect(await runtime.list()).toEqual([]);
      if (pid) expect(isAlive(pid)).toBe(false);
    }
  }, 60_000);
});

function readPem(path: string): string {
  return readFileSync(path, 'utf8');
}
