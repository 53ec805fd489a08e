/**
 * `supafleet status` and `supafleet doctor` against a live fleet: examples/fleet's acme applied
 * to the in-process lab (the real master and agent, the Kong fake), real Caddy in front with
 * `fleet.example.com` → the master and `*.example.com` → the Kong fake, as on a master. Then:
 * - a healthy fleet: doctor passes every check (exit 0), status lists acme (exit 0);
 * - a wrong token: doctor names the master API first (exit 1), and never prints the token;
 * - acme's /rest/v1/ route removed from Kong: doctor names Kong for acme first;
 * - one of acme's services killed: doctor names the services layer for acme, status exits 1.
 * Needs PostgreSQL and Caddy; skips with the reason otherwise (fails instead when CI=true).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../core/apply/ports.ts';
import type { DoctorReport } from '../core/doctor/types.ts';
import { pollUntil, routedByKong } from '../fakes/kong/poll.ts';
import { caddySkipReason, httpsOnLoopback, type StartedCaddy } from '../test/support/caddy.ts';
import { runCli, type CliRun } from '../test/support/cli-io.ts';
import { postgresSkipReason } from '../test/support/postgres.ts';
import { applyFleet, labTarget, loadFleet } from './demo/apply.ts';
import { until } from './lab/commands.ts';
import { readExampleSealKey, startLabBehindCaddy, stopLabBehindCaddy } from './lab/behind-caddy.ts';
import type { FleetLab } from './lab/index.ts';

const skip = process.env.CI === 'true' ? undefined : (postgresSkipReason() ?? caddySkipReason());
if (skip) console.log(`skipping the status and doctor e2e test: ${skip}`);

const root = resolve('examples/fleet');

describe.skipIf(skip !== undefined)('supafleet status and doctor against a live fleet', () => {
  let lab: FleetLab | undefined;
  let caddy: StartedCaddy | undefined;
  let dir: string | undefined;
  const runs: CliRun[] = [];
  const log = memoryLogger();

  beforeAll(async () => {
    const loaded = await loadFleet(root);
    ({ lab, caddy } = await startLabBehindCaddy({
      mode: 'in-process',
      fleet: { spec: loaded.fleet, sealPrivateKey: readExampleSealKey(root) },
      masterSite: true,
    }));
    dir = mkdtempSync(join(tmpdir(), 'supafleet-doctor-'));
    writeFileSync(join(dir, 'ca.pem'), caddy.rootCa);
    const projects = loaded.projects.filter((p) => p.name === 'acme');
    const applied = await applyFleet({ fleet: loaded.fleet, projects }, labTarget(lab), log);
    expect(
      applied.results.map((r) => r.outcome),
      log.lines.join('\n'),
    ).toEqual(['created']);
    // Kong applies route writes within worker_state_update_frequency (fakes/kong/CONFORMANCE.md)
    const routed = await pollUntil(() => ask('/rest/v1/'), routedByKong);
    expect(routedByKong(routed), routed.text).toBe(true);
  }, 120_000);

  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (lab) {
      // no secret of the lab (the API token among them) in anything status or doctor printed
      const printed = runs.map((r) => r.stdout + r.stderr).join('\n');
      for (const secret of lab.secrets)
        expect(printed.includes(secret), 'a secret in the output').toBe(false);
    }
    const left = await stopLabBehindCaddy(lab, caddy);
    if (left) expect(left).toEqual({ namespaces: [], pids: [], sockets: [], dirs: [] });
  }, 60_000);

  const ask = (path: string) =>
    httpsOnLoopback({ host: 'acme.example.com', port: caddy!.httpsPort, path, ca: caddy!.rootCa });

  const cli = async (argv: string[], token = lab!.apiToken): Promise<CliRun> => {
    const run = await runCli(argv, { cwd: dir!, env: { SUPAFLEET_API_TOKEN: token } });
    runs.push(run);
    return run;
  };
  const doctor = (extra: string[] = [], token?: string) =>
    cli(
      [
        'doctor',
        '--master',
        'https://fleet.example.com',
        '--connect-to',
        `127.0.0.1:${caddy!.httpsPort}`,
        '--cacert',
        'ca.pem',
        '--timeout',
        '10',
        ...extra,
      ],
      token,
    );

  it('when the fleet is healthy, then doctor passes every layer and status lists acme, both exiting 0', async () => {
    const run = await doctor();
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^- dns +fleet\.example\.com: not asked: --connect-to/m);
    expect(run.stdout).toMatch(/^✓ certificate +acme\.example\.com: valid until/m);
    expect(run.stdout).toMatch(/^✓ master-api +https:\/\/fleet\.example\.com: answers: supafleet /m);
    expect(run.stdout).toMatch(
      /^✓ kong +acme: Kong routes acme\.example\.com\/rest\/v1\/ \(its own HTTP 401 "No API key found in request"/m,
    );
    expect(run.stdout).toMatch(/^✓ worker +acme: heartbeat \d+s ago, revision \d+ applied/m);
    expect(run.stdout).toMatch(/^✓ services +acme: every service reports healthy/m);
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/^doctor: every check passed/);

    const status = await cli(['status', '--master', lab!.masterUrl]);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^acme +healthy +https:\/\/acme\.example\.com +\d+s +\d+\/\d+ /m);
    expect(status.stdout).toMatch(/^1 project: 1 healthy; \d+\.\d\d EUR\/month$/m);
    const json = await cli(['status', '--master', lab!.masterUrl, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      fleet: { name: lab!.fleet.name, domain: 'example.com' },
      projects: [{ name: 'acme', health: { state: 'healthy' } }],
    });
  });

  it('when the token is wrong, then doctor names the master API as the first broken layer and never prints the token', async () => {
    const wrong = `sft_${'a'.repeat(12)}_${'b'.repeat(32)}`;
    const run = await doctor(['--json'], wrong);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as DoctorReport;
    expect(report.firstBroken).toMatchObject({ layer: 'master-api', outcome: 'failed' });
    expect(report.firstBroken!.detail).toMatch(/refused the token in SUPAFLEET_API_TOKEN: HTTP 401/);
    expect(run.stdout + run.stderr).not.toContain(wrong);
    const status = await cli(['status', '--master', lab!.masterUrl], wrong);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/the master refused the token in SUPAFLEET_API_TOKEN/);
    expect(status.stdout + status.stderr).not.toContain(wrong);
  });

  it("when acme's /rest/v1/ route is removed from Kong, then doctor names Kong for acme first, with the reconcile to run", async () => {
    const removed = await fetch(`${lab!.kongUrl}/routes/acme-rest`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    const gone = await pollUntil(
      () => ask('/rest/v1/'),
      (r) => !routedByKong(r),
    );
    expect(routedByKong(gone), gone.text).toBe(false);
    const run = await doctor(['--project', 'acme']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^✗ kong +acme: Kong has no route for acme\.example\.com\/rest\/v1\/ \(HTTP 404 "no Route matched with those values"\)/m,
    );
    expect(run.stdout).toContain('https://fleet.example.com/v1/projects/acme/routes');
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/^doctor: the first broken layer is kong \(acme\)/);
    // the fix it names puts the route back
    const put = await fetch(`${lab!.masterUrl}/v1/projects/acme/routes`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${lab!.apiToken}` },
    });
    expect(put.status).toBe(200);
    const back = await pollUntil(() => ask('/rest/v1/'), routedByKong);
    expect(routedByKong(back), back.text).toBe(true);
    expect((await doctor(['--project', 'acme'])).code).toBe(0);
  });

  it("when one of acme's services dies, then doctor names the services layer for acme and status exits 1 with the reason", async () => {
    const worker = lab!.workers().find((w) => w.name === 'acme')!;
    const victim = worker.pids.all[0]!;
    process.kill(victim, 'SIGKILL');
    // the agent reports it with its next heartbeat (every 5 s in the lab)
    await until(
      'acme to be reported degraded',
      async () => {
        const r = await fetch(`${lab!.masterUrl}/v1/projects/acme`, {
          headers: { authorization: `Bearer ${lab!.apiToken}` },
          signal: AbortSignal.timeout(5000),
        });
        const body = (await r.json()) as { health: { state: string } };
        return body.health.state === 'degraded' || undefined;
      },
      30_000,
      500,
    );
    // the console's feed reads the registry again within its poll period
    const report = await until(
      "doctor to see acme's service",
      async () => {
        const run = await doctor(['--project', 'acme', '--json']);
        const r = JSON.parse(run.stdout) as DoctorReport;
        return r.ok ? undefined : { run, r };
      },
      10_000,
      500,
    );
    expect(report.run.code).toBe(1);
    expect(report.r.firstBroken).toMatchObject({ layer: 'services', subject: 'acme', outcome: 'failed' });
    expect(report.r.firstBroken!.fix).toMatch(/^on acme's worker: docker compose -p supafleet ps/);
    const status = await cli(['status', '--master', lab!.masterUrl]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^acme +degraded /m);
    expect(status.stdout).toContain(`  - ${report.r.firstBroken!.detail.split('; ')[0]!}`);
  });
});
