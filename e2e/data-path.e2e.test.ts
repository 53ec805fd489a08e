/**
 * The data path with real Supabase parts where they run here: acme and blog of
 * examples/fleet applied to the lab (namespaces when root, else in-process), real
 * Caddy in front of the Kong fake. Then, through Caddy → Kong fake → wg:
 * - `/pg/` answers from the real @supabase/postgres-meta on acme's own database,
 *   and only for acme's service key (anon key and blog's service key refused);
 * - `supafleet smoke acme` (supabase-js: auth, rest on real Postgres, storage,
 *   realtime over WebSocket, functions) passes and removes what it created;
 * - a smoke that cannot pass names its layer: DNS, TLS, Kong route.
 * Needs PostgreSQL and Caddy (and root with the WireGuard tools for the namespace
 * lab); skips with the reason otherwise (fails instead when CI=true).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Credentials } from '../core/master-client/types.ts';
import { memoryLogger } from '../core/apply/ports.ts';
import { runSmoke, type SmokeReport } from '../core/smoke/index.ts';
import { caddySkipReason, httpsOnLoopback, type StartedCaddy } from '../test/support/caddy.ts';
import { runCli } from '../test/support/cli-io.ts';
import { postgresSkipReason } from '../test/support/postgres.ts';
import { applyFleet, demoClients, labTarget, loadFleet } from './demo/apply.ts';
import { readExampleSealKey, startLabBehindCaddy, stopLabBehindCaddy } from './lab/behind-caddy.ts';
import type { FleetLab } from './lab/index.ts';
import { pollUntil, routedByKong } from '../fakes/kong/poll.ts';

const skip = process.env.CI === 'true' ? undefined : (postgresSkipReason() ?? caddySkipReason());
if (skip) console.log(`skipping the data path e2e test: ${skip}`);

const root = resolve('examples/fleet');

describe.skipIf(skip !== undefined)('the data path through Caddy → Kong fake → wg', () => {
  let lab: FleetLab | undefined;
  let caddy: StartedCaddy | undefined;
  const creds = new Map<string, Credentials>();
  const log = memoryLogger();

  beforeAll(async () => {
    const loaded = await loadFleet(root);
    ({ lab, caddy } = await startLabBehindCaddy({
      fleet: { spec: loaded.fleet, sealPrivateKey: readExampleSealKey(root) },
    }));
    const target = labTarget(lab);
    const projects = loaded.projects.filter((p) => p.name === 'acme' || p.name === 'blog');
    const applied = await applyFleet({ fleet: loaded.fleet, projects }, target, log);
    expect(
      applied.results.map((r) => r.outcome),
      log.lines.join('\n'),
    ).toEqual(['created', 'created']);
    const { master } = demoClients(target, log);
    for (const p of projects) creds.set(p.name, await master.credentials(p.name));
    // Kong applies route writes within worker_state_update_frequency, not at once: poll until
    // acme's routes answer (fakes/kong/CONFORMANCE.md), bounded
    const acme = creds.get('acme')!;
    for (const path of ['/rest/v1/', '/auth/v1/health', '/storage/v1/bucket', '/pg/']) {
      const routed = await pollUntil(() => ask(path, acme.service_role_key), routedByKong);
      expect(routedByKong(routed), `${path}: ${routed.text}`).toBe(true);
    }
  }, 120_000);

  afterAll(async () => {
    const left = await stopLabBehindCaddy(lab, caddy);
    if (left) expect(left).toEqual({ namespaces: [], pids: [], sockets: [], dirs: [] });
  }, 60_000);

  const ask = (path: string, key: string, method = 'GET', body?: string) =>
    httpsOnLoopback({
      host: 'acme.example.com',
      port: caddy!.httpsPort,
      path,
      ca: caddy!.rootCa,
      method,
      headers: { apikey: key, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body } : {}),
    });

  it("when /pg/ is asked with acme's service key, then the real postgres-meta answers from acme's database; the anon key and blog's service key are refused", async () => {
    const acme = creds.get('acme')!;
    const blog = creds.get('blog')!;
    const about = await ask('/pg/', acme.service_role_key);
    expect(about.status, about.text).toBe(200);
    expect(JSON.parse(about.text)).toMatchObject({ name: '@supabase/postgres-meta', version: '0.99.0' });

    const made = await ask(
      '/pg/query',
      acme.service_role_key,
      'POST',
      JSON.stringify({ query: 'create table if not exists public.pg_meta_probe (id int primary key)' }),
    );
    expect(made.status, made.text).toBe(200);
    const tables = await ask('/pg/tables?included_schemas=public', acme.service_role_key);
    expect(tables.status, tables.text).toBe(200);
    expect((JSON.parse(tables.text) as { name: string }[]).map((t) => t.name)).toContain('pg_meta_probe');
    const db = await ask(
      '/pg/query',
      acme.service_role_key,
      'POST',
      JSON.stringify({ query: 'select current_database() as db' }),
    );
    expect(JSON.parse(db.text)).toEqual([{ db: 'lab_acme' }]);

    const anon = await ask('/pg/tables', acme.anon_key);
    expect([401, 403]).toContain(anon.status);
    const other = await ask('/pg/tables', blog.service_role_key);
    expect(other.status).toBe(403);
    expect(other.text).toContain('You cannot consume this service');
  });

  const smoke = (
    project: string,
    o: { url?: string; keysOf?: string; ca?: boolean; resolve?: boolean } = {},
  ) => {
    const c = creds.get(project)!;
    const k = creds.get(o.keysOf ?? project)!;
    return runSmoke({
      project,
      target: { url: o.url ?? c.url, anonKey: k.anon_key, serviceRoleKey: k.service_role_key },
      ...(o.resolve === false ? {} : { resolve: { address: '127.0.0.1', port: caddy!.httpsPort } }),
      ...(o.ca === false ? {} : { ca: caddy!.rootCa }),
      stepTimeoutMs: 10_000,
    });
  };
  const outcomes = (r: SmokeReport) => r.steps.map((s) => [s.name, s.outcome, s.layer ?? '']);

  it('when supafleet smoke runs against acme, then supabase-js does auth, rest, storage, realtime and functions, and what it made is gone', async () => {
    const report = await smoke('acme');
    expect(outcomes(report), JSON.stringify(report.steps, null, 1)).toEqual([
      ['auth: create user', 'ok', ''],
      ['auth: sign in with password', 'ok', ''],
      ['rest: ensure supafleet.smoke (postgres-meta)', 'ok', ''],
      ['rest: insert', 'ok', ''],
      ['rest: select', 'ok', ''],
      ['rest: delete', 'ok', ''],
      ['storage: upload', 'ok', ''],
      ['storage: download', 'ok', ''],
      ['storage: remove', 'ok', ''],
      ['realtime: broadcast round trip', 'ok', ''],
      ['functions: invoke supafleet-health', 'ok', ''],
      ['auth: delete user', 'ok', ''],
    ]);
    expect(report.ok).toBe(true);
    for (const s of report.steps) expect(s.ms).toBeGreaterThanOrEqual(0);
    const rows = await ask(
      '/pg/query',
      creds.get('acme')!.service_role_key,
      'POST',
      JSON.stringify({ query: 'select count(*)::int as n from supafleet.smoke' }),
    );
    expect(JSON.parse(rows.text)).toEqual([{ n: 0 }]);
    // a second run finds its table and bucket and passes again
    expect((await smoke('acme')).ok).toBe(true);
  }, 60_000);

  it("when `supafleet smoke acme --json` runs with the lab's admin token, then it takes the keys from the master and exits 0 with no key in its output", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'supafleet-smoke-cli-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), caddy!.rootCa);
      const run = await runCli(
        [
          'smoke',
          'acme',
          '--master',
          lab!.masterUrl,
          '--connect-to',
          `127.0.0.1:${caddy!.httpsPort}`,
          '--cacert',
          'ca.pem',
          '--json',
        ],
        { cwd: dir, env: { SUPAFLEET_API_TOKEN: lab!.apiToken } },
      );
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as SmokeReport;
      expect(report).toMatchObject({ project: 'acme', url: 'https://acme.example.com', ok: true });
      expect(report.steps).toHaveLength(12);
      const acme = creds.get('acme')!;
      for (const secret of [acme.anon_key, acme.service_role_key, acme.jwt_secret, lab!.apiToken]) {
        expect(run.stdout.includes(secret) || run.stderr.includes(secret)).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("when the smoke uses blog's keys on acme's URL, then it fails at the Kong route", async () => {
    const report = await smoke('acme', { keysOf: 'blog' });
    expect(report.ok).toBe(false);
    const first = report.steps.find((s) => s.outcome === 'failed')!;
    expect(first).toMatchObject({ name: 'auth: create user', layer: 'kong-route' });
    expect(JSON.stringify(report)).not.toContain(creds.get('blog')!.service_role_key);
  }, 60_000);

  it('when the host has no route, the name does not resolve, or the certificate is not trusted, then the smoke names that layer', async () => {
    const noRoute = await smoke('acme', { url: 'https://nothing-here.example.com' });
    expect(noRoute.steps[0]).toMatchObject({ outcome: 'failed', layer: 'kong-route' });
    const dns = await smoke('acme', { url: 'https://acme.supafleet-smoke.invalid', resolve: false });
    expect(dns.steps[0]).toMatchObject({ outcome: 'failed', layer: 'dns' });
    const tls = await smoke('acme', { ca: false });
    expect(tls.steps[0]).toMatchObject({ outcome: 'failed', layer: 'tls' });
  }, 90_000);
});
