/**
 * The master-side smoke for real: acme of examples/fleet applied to the in-process
 * lab (its master is this process, so it reaches the test's Caddy as a real master
 * reaches its own), real Caddy in front of the Kong fake. `POST
 * /v1/projects/acme/smoke` with a write token has the master run supabase-js through
 * Caddy → Kong fake → wg with the keys it holds, and `supafleet smoke acme
 * --via-master` prints that report; neither answer carries a key. A read token is
 * refused. Needs PostgreSQL and Caddy; skips with the reason otherwise (fails
 * instead when CI=true).
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../core/apply/ports.ts';
import type { Credentials } from '../core/master-client/types.ts';
import type { SmokeReport } from '../core/smoke/types.ts';
import type { SmokeEdge } from '../master/src/smoke.ts';
import { pollUntil, routedByKong } from '../fakes/kong/poll.ts';
import { caddySkipReason, httpsOnLoopback, type StartedCaddy } from '../test/support/caddy.ts';
import { runCli } from '../test/support/cli-io.ts';
import { postgresSkipReason } from '../test/support/postgres.ts';
import { applyFleet, demoClients, labTarget, loadFleet } from './demo/apply.ts';
import { readExampleSealKey, startLabBehindCaddy, stopLabBehindCaddy } from './lab/behind-caddy.ts';
import type { FleetLab } from './lab/index.ts';

const skip = process.env.CI === 'true' ? undefined : (postgresSkipReason() ?? caddySkipReason());
if (skip) console.log(`skipping the master smoke e2e test: ${skip}`);

const root = resolve('examples/fleet');

describe.skipIf(skip !== undefined)("the master's smoke through Caddy → Kong fake → wg", () => {
  let lab: FleetLab | undefined;
  let caddy: StartedCaddy | undefined;
  let acme: Credentials;
  let edge: SmokeEdge = {};
  const log = memoryLogger();

  beforeAll(async () => {
    const loaded = await loadFleet(root);
    ({ lab, caddy } = await startLabBehindCaddy({
      mode: 'in-process',
      fleet: { spec: loaded.fleet, sealPrivateKey: readExampleSealKey(root) },
      masterSmokeEdge: () => edge,
    }));
    // as SUPAFLEET_SMOKE_CONNECT and SUPAFLEET_SMOKE_CA_FILE tell a real master
    edge = { connect: { address: '127.0.0.1', port: caddy.httpsPort }, ca: caddy.rootCa };
    const target = labTarget(lab);
    const projects = loaded.projects.filter((p) => p.name === 'acme');
    const applied = await applyFleet({ fleet: loaded.fleet, projects }, target, log);
    expect(
      applied.results.map((r) => r.outcome),
      log.lines.join('\n'),
    ).toEqual(['created']);
    acme = await demoClients(target, log).master.credentials('acme');
    // Kong applies route writes within worker_state_update_frequency (fakes/kong/CONFORMANCE.md)
    for (const path of ['/rest/v1/', '/auth/v1/health', '/storage/v1/bucket', '/pg/']) {
      const routed = await pollUntil(
        () =>
          httpsOnLoopback({
            host: 'acme.example.com',
            port: caddy!.httpsPort,
            path,
            ca: caddy!.rootCa,
            headers: { apikey: acme.service_role_key },
          }),
        routedByKong,
      );
      expect(routedByKong(routed), `${path}: ${routed.text}`).toBe(true);
    }
  }, 120_000);

  afterAll(async () => {
    const left = await stopLabBehindCaddy(lab, caddy);
    if (left) expect(left).toEqual({ namespaces: [], pids: [], sockets: [], dirs: [] });
  }, 60_000);

  const post = (token: string) =>
    fetch(`${lab!.masterUrl}/v1/projects/acme/smoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
  const secrets = () => [acme.anon_key, acme.service_role_key, acme.jwt_secret, acme.postgres_password];

  it('when a write token asks the master for a smoke of acme, then every step passes through Caddy and the answer holds no key', async () => {
    const res = await post(lab!.scopedTokens.write);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const report = JSON.parse(text) as SmokeReport;
    expect(report, text).toMatchObject({ project: 'acme', url: 'https://acme.example.com', ok: true });
    expect(report.steps.map((s) => [s.name, s.outcome])).toEqual([
      ['auth: create user', 'ok'],
      ['auth: sign in with password', 'ok'],
      ['rest: ensure supafleet.smoke (postgres-meta)', 'ok'],
      ['rest: insert', 'ok'],
      ['rest: select', 'ok'],
      ['rest: delete', 'ok'],
      ['storage: upload', 'ok'],
      ['storage: download', 'ok'],
      ['storage: remove', 'ok'],
      ['realtime: broadcast round trip', 'ok'],
      ['functions: invoke supafleet-health', 'ok'],
      ['auth: delete user', 'ok'],
    ]);
    for (const s of secrets()) expect(text).not.toContain(s);
  }, 90_000);

  it('when two smokes of acme are asked at once, then one runs and the other gets 409 saying one is running', async () => {
    const answers = await Promise.all([post(lab!.scopedTokens.write), post(lab!.scopedTokens.write)]);
    const bodies = await Promise.all(answers.map((r) => r.text()));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const refused = JSON.parse(bodies[answers.findIndex((r) => r.status === 409)]!) as {
      error: { code: string; message: string };
    };
    expect(refused.error.code).toBe('smoke_running');
    expect(refused.error.message).toMatch(/a smoke of "acme" is already running/);
  }, 90_000);

  it('when a read token asks, then it is refused with 403', async () => {
    const res = await post(lab!.scopedTokens.read);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/needs the write scope/);
  });

  it('when `supafleet smoke acme --via-master` runs with a write token, then it prints the passing report and no key', async () => {
    const run = await runCli(['smoke', 'acme', '--via-master', '--master', lab!.masterUrl, '--json'], {
      cwd: process.cwd(),
      env: { SUPAFLEET_API_TOKEN: lab!.scopedTokens.write },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ project: 'acme', ok: true });
    for (const s of [...secrets(), lab!.scopedTokens.write]) {
      expect(run.stdout.includes(s) || run.stderr.includes(s)).toBe(false);
    }
  }, 90_000);

  it('when the same write token asks for the keys themselves, then the credentials endpoint still refuses it, and `supafleet smoke` says to add --via-master', async () => {
    const run = await runCli(['smoke', 'acme', '--master', lab!.masterUrl], {
      cwd: process.cwd(),
      env: { SUPAFLEET_API_TOKEN: lab!.scopedTokens.write },
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/403.*add --via-master/);
  }, 30_000);
});
