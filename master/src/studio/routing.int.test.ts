/**
 * One Studio per project, routed by what Studio's server really sends: two projects, each with
 * its own real Postgres database and its own real @supabase/postgres-meta (a process each, with
 * the project's CRYPTO_KEY, as on its worker), behind the fake Kong holding both projects'
 * routes as the master reconciles them. Each project's Studio settings (studioSettings) feed a
 * model of Studio's server (fakes/studio), which builds the requests Studio 2026.02.16 sends to
 * STUDIO_PG_META_URL. Caddy's TLS hop is left out: the request reaches Kong with the project's Host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Secret } from '../../../core/seal/secret.ts';
import { createKongAdminClient } from '../kong/client.ts';
import type { KongProjectInput } from '../kong/desired.ts';
import { reconcileAll } from '../kong/reconcile.ts';
import { projectInput } from '../kong/test/fixtures.ts';
import { startFakeKong, type StartedFakeKong } from '../../../fakes/kong/fake.ts';
import { pollUntil } from '../../../fakes/kong/poll.ts';
import type { StudioEnv, StudioRequest } from '../../../fakes/studio/server.ts';
import {
  studioConnectionString,
  studioEncrypt,
  studioQueryRequest,
  studioTablesRequest,
} from '../../../fakes/studio/server.ts';
import {
  freePort,
  postgresSkipReason,
  startPostgres,
  type TestPostgres,
} from '../../../test/support/postgres.ts';
import { studioEnvList, studioSettings } from './settings.ts';

const skip = postgresSkipReason();
if (skip) console.warn(`skipping the Studio routing test: ${skip}`);

const TABLES_SQL =
  "select table_name from information_schema.tables where table_schema = 'public' order by 1";

interface Project {
  name: 'acme' | 'blog';
  wg: string;
  table: string;
  kong: KongProjectInput;
  cryptoKey: Secret;
  dbUrl: string;
  meta?: ChildProcess;
  metaPort?: number;
  /** The Studio container's environment for this project, as the master would start it. */
  env?: StudioEnv;
}

/** A loopback port whose next port is free too (pg-meta's admin app listens on PORT + 1). */
async function portPair(): Promise<number> {
  const free = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let i = 0; i < 20; i++) {
    const p = await freePort();
    if (await free(p + 1)) return p;
  }
  throw new Error('no pair of free loopback ports after 20 tries');
}
const require = createRequire(import.meta.url);

/** Starts the real postgres-meta server on its own database, as the worker's `meta` service. */
async function startMeta(p: Project): Promise<void> {
  const server = require.resolve('@supabase/postgres-meta/dist/server/server.js');
  p.metaPort = await portPair();
  p.meta = spawn(process.execPath, [server], {
    env: {
      PATH: process.env.PATH,
      PG_META_HOST: '127.0.0.1',
      PG_META_PORT: String(p.metaPort),
      PG_META_DB_URL: p.dbUrl,
      CRYPTO_KEY: p.cryptoKey.reveal(),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const deadline = Date.now() + 60_000;
  for (let i = 0; Date.now() < deadline && i < 600; i++) {
    const ok = await fetch(`http://127.0.0.1:${p.metaPort}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (p.meta.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`postgres-meta for ${p.name} did not answer /health on port ${p.metaPort} within 60 s`);
}

describe.skipIf(skip !== undefined)(
  "Studio's pg-meta requests, per project, through Kong to real postgres-meta",
  () => {
    let db: TestPostgres;
    let kong: StartedFakeKong;
    const projects: Project[] = [];
    const by = (n: 'acme' | 'blog'): Project => projects.find((p) => p.name === n)!;

    beforeAll(async () => {
      db = await startPostgres();
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      try {
        await admin.query("create role supabase_admin login superuser password 'unused-under-trust'");
      } finally {
        await admin.end();
      }
      for (const [name, wg, table] of [
        ['acme', '10.100.0.2', 'acme_orders'],
        ['blog', '10.100.0.3', 'blog_posts'],
      ] as const) {
        const url = await db.createDatabase(`${name}_db`);
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`create table public.${table} (id bigint primary key)`);
        await c.end();
        projects.push({
          name,
          wg,
          table,
          kong: projectInput(name, { upstreamHost: wg }),
          cryptoKey: new Secret(`crypto-${name}-${Math.random().toString(36).slice(2)}`),
          dbUrl: url.replace('postgres@', 'supabase_admin@'),
        });
      }
      await Promise.all(projects.map((p) => startMeta(p)));
      kong = await startFakeKong({
        proxy: {
          dial: ({ host, port }) => ({
            host: '127.0.0.1',
            port: projects.find((p) => p.wg === host && port === 8080)?.metaPort ?? 9,
          }),
          maxTimeoutMs: 30_000,
          stateDelayMs: 300,
        },
      });
      await reconcileAll(
        createKongAdminClient({ baseUrl: kong.url }),
        projects.map((p) => p.kong),
      );
      for (const p of projects) {
        const settings = studioSettings(
          { name: 'fleet', domain: 'example.test' },
          {
            name: p.name,
            subdomain: p.kong.subdomain,
            postgresPassword: new Secret('unused-under-trust'),
            pgMetaCryptoKey: p.cryptoKey,
            anonKey: p.kong.anonKey,
            serviceRoleKey: p.kong.serviceRoleKey,
            jwtSecret: new Secret(`jwt-${p.name}`),
          },
        );
        const env = Object.fromEntries(
          studioEnvList(settings).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
        // The worker's `db` (POSTGRES_HOST db:5432/postgres) is, on these test workers, the
        // project's own database on the test cluster: the address its pg-meta opens.
        const u = new URL(p.dbUrl);
        p.env = {
          ...env,
          POSTGRES_HOST: u.hostname,
          POSTGRES_PORT: u.port,
          POSTGRES_DB: u.pathname.slice(1),
        };
      }
      const ready = await pollUntil(
        () => send(studioQueryRequest(by('acme').env!, 'select 1 as one')),
        (r) => r.status === 200,
      );
      expect(ready.status).toBe(200);
    }, 120_000);

    afterAll(async () => {
      await kong?.close();
      for (const p of projects) p.meta?.kill('SIGTERM');
      await db?.stop();
    });

    /** Sends a Studio request: https://<host>/… reaches Kong's proxy with that Host (Caddy's hop). */
    const send = (
      r: StudioRequest,
      override: { host?: string; headers?: Record<string, string | undefined> } = {},
    ): Promise<{ status: number; text: string; json: unknown }> => {
      const url = new URL(r.url);
      const proxy = new URL(kong.proxyUrl!);
      const headers: Record<string, string> = { host: override.host ?? url.host };
      for (const [k, v] of Object.entries({ ...r.headers, ...override.headers }))
        if (v !== undefined) headers[k] = v;
      if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: proxy.hostname,
            port: proxy.port,
            method: r.method,
            path: url.pathname + url.search,
            headers,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let json: unknown = null;
              try {
                json = JSON.parse(text);
              } catch {
                json = null;
              }
              resolve({ status: res.statusCode ?? 0, text, json });
            });
          },
        );
        req.on('error', reject);
        req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${r.url} in 30 s`)));
        req.end(r.body);
      });
    };
    const names = (json: unknown): string[] =>
      (json as { table_name?: string; name?: string }[]).map((t) => t.table_name ?? t.name ?? '?');

    it.each(['acme', 'blog'] as const)(
      "when %s's Studio runs SQL, then its query reaches its own database only",
      async (n) => {
        const r = await send(studioQueryRequest(by(n).env!, TABLES_SQL));
        expect(r.status, r.text).toBe(200);
        expect(names(r.json)).toEqual([by(n).table]);
      },
    );

    it.each(['acme', 'blog'] as const)(
      "when %s's Studio lists tables, then it sees its own tables only",
      async (n) => {
        const r = await send(studioTablesRequest(by(n).env!, { included_schemas: 'public' }));
        expect(r.status, r.text).toBe(200);
        expect(names(r.json)).toEqual([by(n).table]);
      },
    );

    it("when acme's Studio request is sent to blog's host, then Kong refuses acme's key there and blog's database is not read", async () => {
      const r = await send(studioQueryRequest(by('acme').env!, TABLES_SQL), { host: 'blog.example.test' });
      expect([401, 403]).toContain(r.status);
      expect(r.text).not.toContain('blog_posts');
    });

    it('when a request carries no key, or a key no project has, then Kong refuses it', async () => {
      for (const apiKey of [undefined, 'not-a-key']) {
        const r = await send(studioQueryRequest(by('acme').env!, TABLES_SQL), { headers: { apiKey } });
        expect(r.status, String(apiKey)).toBe(401);
        expect(r.text).not.toContain('acme_orders');
      }
    });

    it("when acme's key carries a connection encrypted with blog's pg-meta key, then acme's pg-meta cannot open it and no database is read", async () => {
      const blogConn = studioEncrypt(by('blog').env!, studioConnectionString(by('blog').env!));
      const r = await send(studioQueryRequest(by('acme').env!, TABLES_SQL), {
        headers: { 'x-connection-encrypted': blogConn },
      });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.text).not.toContain('blog_posts');
      expect(r.text).not.toContain('acme_orders');
    });

    it("when a forged plaintext `pg` header names blog's database on acme's route, then pg-meta ignores it and answers from acme's", async () => {
      const forged = studioTablesRequest(by('acme').env!, { included_schemas: 'public' });
      const r = await send(forged, { headers: { pg: by('blog').dbUrl } });
      expect(r.status, r.text).toBe(200);
      expect(names(r.json)).toEqual(['acme_orders']);
    });

    it("when Studio's requests are built, then they carry no other project's secret", () => {
      const a = JSON.stringify(studioQueryRequest(by('acme').env!, TABLES_SQL));
      for (const s of [by('blog').kong.serviceRoleKey, by('blog').kong.anonKey, by('blog').cryptoKey]) {
        expect(a).not.toContain(s.reveal());
      }
    });
  },
);
