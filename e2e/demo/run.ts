/**
 * `npm run demo`: the whole fleet on one machine. Starts the lab (network
 * namespaces with real WireGuard when root, else the in-process lab, saying what
 * it simulates), puts real Caddy (`tls internal`, loopback) in front of the Kong
 * fake's proxy, applies examples/fleet through core/apply as the provision action
 * does, prints a status table, one request through the data path and supafleet smoke
 * (supabase-js: auth, rest, storage, realtime, functions) against acme, then keeps
 * running until SIGINT/SIGTERM (or stops at once with `--exit`) and removes all
 * it made.
 *
 * The Kong proxy runs where the workers' wg addresses are reachable: in namespace
 * mode inside the master namespace (as Kong runs on the master), forwarded to a
 * host loopback port for Caddy; in-process the wg addresses are loopback ones.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '../../core/apply/ports.ts';
import { pollUntil, routedByKong } from '../../fakes/kong/poll.ts';
import { httpsOnLoopback, type StartedCaddy } from '../../test/support/caddy.ts';
import { readExampleSealKey } from '../lab/behind-caddy.ts';
import { startLab, type FleetLab, type LabTrace } from '../lab/index.ts';
import { describeSwept, RunRecorder, sweepLeftovers } from '../lab/runs.ts';
import { applyFleet, labTarget, loadFleet } from './apply.ts';
import { healthyOrWait } from './settle.ts';
import { startConsoleEntry, type ConsoleEntry } from './console-entry.ts';
import { startDemoEdge, type DemoEdge } from './edge.ts';
import { demoSmoke } from './smoke.ts';
import { abbreviate, createMasker, progressLine, statusTable, type StatusRow } from './view.ts';

export interface DemoOptions {
  /** Stop right after the checks (tests). */
  readonly exit: boolean;
  /** The fleet directory (default examples/fleet). */
  readonly root: string;
  readonly mode?: 'namespaces' | 'in-process';
  /** Test hook: a JSON file (0600) receiving the run's secrets and trace, for leak and leftover checks. */
  readonly reportFile?: string;
  readonly print: (line: string) => void;
}

export function demoOptions(argv: readonly string[], env: NodeJS.ProcessEnv): DemoOptions {
  const mode = env.SUPAFLEET_DEMO_MODE;
  if (mode !== undefined && mode !== 'namespaces' && mode !== 'in-process') {
    throw new Error(`SUPAFLEET_DEMO_MODE is "${mode}"; expected namespaces or in-process`);
  }
  return {
    exit: argv.includes('--exit') || env.SUPAFLEET_DEMO_EXIT === '1',
    root: resolve(env.SUPAFLEET_DEMO_FLEET ?? 'examples/fleet'),
    ...(mode ? { mode } : {}),
    ...(env.SUPAFLEET_DEMO_REPORT ? { reportFile: env.SUPAFLEET_DEMO_REPORT } : {}),
    print: (l) => process.stdout.write(`${l}\n`),
  };
}

/** The signals that stop the demo: Ctrl-C, a `kill`/`timeout`, a closed terminal. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs the demo; resolves with the exit code once everything it made is removed. */
export async function runDemo(o: DemoOptions): Promise<number> {
  const start = Date.now();
  const masker = createMasker();
  const say = (line: string) => o.print(progressLine(start, Date.now(), masker.apply(line)));
  const log: Logger = {
    info: say,
    warn: (l) => say(`warning: ${l}`),
    error: (l) => say(`error: ${l}`),
    mask: (v) => masker.add(v),
  };
  const swept = describeSwept(sweepLeftovers());
  if (swept) say(swept);
  const dir = mkdtempSync(join(tmpdir(), 'supafleet-demo-'));
  const run = new RunRecorder(`d${randomBytes(3).toString('hex')}`, 'demo');
  run.add({ dir });
  let lab: FleetLab | undefined;
  let caddy: StartedCaddy | undefined;
  let edge: DemoEdge | undefined;
  let entry: ConsoleEntry | undefined;
  const report: { secrets: string[]; trace?: LabTrace; caddy?: { pid: number; dir: string }; dir: string } = {
    secrets: [],
    dir,
  };
  const writeReport = () => {
    if (!o.reportFile) return;
    writeFileSync(o.reportFile, JSON.stringify(report), { mode: 0o600 });
  };
  let code = 1;
  let stopping: (() => void) | undefined;
  const stopped = new Promise<void>((r) => (stopping = r));
  let interrupted = false;
  let cleaning = false;
  /**
   * Ctrl-C (SIGINT), SIGTERM and SIGHUP (a closed terminal) stop the demo; the children run in
   * process groups of their own, so the signal reaches the demo alone, which stops them in order.
   * A second signal while cleaning up is ignored.
   */
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted || cleaning) {
      say(`${signal}: already cleaning up, please wait`);
      return;
    }
    interrupted = true;
    say(`${signal}: stopping the demo`);
    stopping?.();
  };
  /** A signal during start-up or the apply stops the demo at the next step, then cleans up. */
  const checkInterrupted = () => {
    if (interrupted) throw new Error('interrupted; cleaning up');
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    const loaded = await loadFleet(o.root);
    const sealPrivateKey = readExampleSealKey(o.root);
    masker.add(sealPrivateKey);
    say(`fleet ${loaded.fleet.name} (${o.root}): ${loaded.projects.map((p) => p.name).join(', ')}`);
    lab = await startLab({
      log: (l) => say(`lab: ${l}`),
      fleet: { spec: loaded.fleet, sealPrivateKey },
      ...(o.mode ? { mode: o.mode } : {}),
    });
    for (const s of lab.secrets) masker.add(s);
    masker.add(lab.apiToken);
    if (lab.mode === 'namespaces') {
      // (the in-process lab says what it simulates itself)
      say('lab: network namespaces with real WireGuard (wireguard-go), enrollment and agent; simulated:');
      for (const s of lab.simulated) say(`lab:   - ${s}`);
    }
    checkInterrupted();
    const proxy = new URL(lab.kongProxyUrl);
    edge = await startDemoEdge({
      fleet: loaded.fleet,
      kongProxy: `127.0.0.1:${proxy.port}`,
      masterApi: new URL(lab.masterUrl).host,
      ...(lab.studioFrontUrl ? { studioFront: new URL(lab.studioFrontUrl).host } : {}),
      env: run.marker,
      parentDir: dir,
    });
    caddy = edge.caddy;
    // the master's Studio stand-ins reach the projects' /pg/ through this Caddy (namespaces mode)
    await lab.connectStudioEdge?.({ httpsPort: caddy.httpsPort, rootCa: caddy.rootCa });
    masker.add(edge.gate.password);
    report.secrets.push(edge.gate.password);
    report.caddy = { pid: caddy.pid, dir: caddy.dir };
    say(
      `caddy: the master's Caddyfile (basic gate, tls internal) on https 127.0.0.1:${caddy.httpsPort} → ` +
        `Kong proxy ${lab.kongProxyUrl}; ${edge.adminHost} → master ${lab.masterUrl}`,
    );

    checkInterrupted();
    const applyStart = Date.now();
    say('apply: plan → provision (parallelism 3) → routes, as the provision action does');
    const { results, master } = await applyFleet(loaded, labTarget(lab), log);
    for (const s of lab.secrets) masker.add(s);
    const failed = results.filter((r) => r.outcome === 'failed');
    say(
      failed.length === 0
        ? `apply: ${results.length} projects applied and healthy in ${((Date.now() - applyStart) / 1000).toFixed(1)} s`
        : `apply: failed: ${failed.map((r) => `${r.project} (${r.error})`).join('; ')}`,
    );

    checkInterrupted();
    const creds = new Map<string, string>();
    for (const p of loaded.projects) {
      const c = await master.credentials(p.name);
      for (const v of [c.anon_key, c.service_role_key, c.jwt_secret, c.postgres_password]) masker.add(v);
      report.secrets.push(c.anon_key, c.service_role_key, c.jwt_secret, c.postgres_password);
      creds.set(p.name, c.anon_key);
    }
    const views = await healthyOrWait(
      master,
      loaded.projects.map((p) => p.name),
      say,
    );
    const rows: StatusRow[] = loaded.projects.map((p) => {
      const v = views.find((x) => x.name === p.name);
      return {
        project: p.name,
        wgIp: v?.wg_ip ?? '-',
        health: v?.health.state ?? 'missing',
        url: v ? `https://${v.host}` : '-',
      };
    });
    o.print('');
    o.print(statusTable(rows));
    o.print('');

    const ca = join(dir, 'caddy-root.crt');
    writeFileSync(ca, caddy.rootCa);
    const tokenFile = join(dir, 'api-token');
    writeFileSync(tokenFile, lab.apiToken, { mode: 0o600 });
    chmodSync(tokenFile, 0o600);
    const acme = views.find((v) => v.name === 'acme');
    let dataPathOk = false;
    let refusedOk = false;
    if (acme && creds.get('acme') && creds.get('blog')) {
      // PostgREST's root, where the lab's rest stand-in names its project and revision
      const path = '/rest/v1/';
      const viaWg = lab.mode === 'namespaces' ? 'wg' : 'loopback (wg simulated)';
      const ask = (key: string) =>
        httpsOnLoopback({
          host: acme.host,
          port: caddy!.httpsPort,
          path,
          ca: caddy!.rootCa,
          headers: { apikey: key },
        });
      // Kong applies route writes within worker_state_update_frequency: poll, bounded
      const ok = await pollUntil(() => ask(creds.get('acme')!), routedByKong);
      say(
        `data path: GET https://${acme.host}${path} with acme's anon key ${abbreviate(creds.get('acme')!)} ` +
          `(Caddy → Kong fake → ${viaWg} → acme's stand-in): ${ok.status} ${masker.apply(ok.text.trim())}`,
      );
      dataPathOk = ok.status === 200 && JSON.parse(ok.text).project === 'acme';
      const refused = await pollUntil(
        () => ask(creds.get('blog')!),
        (r) => r.status === 403,
      );
      say(
        `data path: the same request with blog's anon key ${abbreviate(creds.get('blog')!)}: ` +
          `${refused.status} ${masker.apply(refused.text.trim())}`,
      );
      refusedOk = refused.status === 403;
    }
    // supabase-js through the data path: supafleet smoke against acme
    const smokeOk = acme
      ? await demoSmoke({ master, project: 'acme', caddy: { port: caddy.httpsPort, ca: caddy.rootCa }, say })
      : false;
    const allHealthy = rows.every((r) => r.health === 'healthy');
    say(
      `checks: ${rows.filter((r) => r.health === 'healthy').length}/${rows.length} healthy, ` +
        `data path ${dataPathOk ? 'ok' : 'FAILED'}, cross-project key ${refusedOk ? 'refused' : 'NOT refused'}, ` +
        `smoke ${smokeOk ? 'passed' : 'FAILED'}`,
    );
    code = allHealthy && dataPathOk && refusedOk && smokeOk && failed.length === 0 ? 0 : 1;
    for (const s of lab.secrets) report.secrets.push(s);
    writeReport();

    if (!o.exit) {
      const port = caddy.httpsPort;
      entry = await startConsoleEntry({
        caddy: { httpsPort: port, rootCa: caddy.rootCa },
        adminHost: edge.adminHost,
        gate: edge.gate,
        token: lab.consoleToken,
        ...(lab.studioFrontUrl ? { studioAdminDomain: edge.adminDomain } : {}),
      });
      o.print('');
      o.print(`console: ${entry.loginLink()}`);
      o.print(
        `  opens the fleet console in a browser on this machine, once (a one-time login through ${edge.adminHost}'s gate)`,
      );
      if (lab.studioFrontUrl)
        o.print(
          `  a Project page's "Open in Studio" opens that project's Studio (a stand-in listing its tables) at ` +
            `${entry.url.replace('127.0.0.1', 'studio-<name>.localhost')}, through studio-<name>.${edge.adminDomain}'s gate`,
        );
      o.print(`master API:  ${lab.masterUrl}  (admin token in ${tokenFile}, mode 0600)`);
      o.print(`  curl -H "authorization: Bearer $(cat ${tokenFile})" ${lab.masterUrl}/v1/projects`);
      o.print(
        `  credentials (anon key etc.): ${lab.masterUrl}/v1/projects/<name>/credentials with that token`,
      );
      for (const r of rows) {
        const host = r.url.replace('https://', '');
        o.print(
          `${r.project}: curl --cacert ${ca} --resolve ${host}:${port}:127.0.0.1 https://${host}:${port}/rest/v1/ -H "apikey: <anon key>"`,
        );
      }
      o.print(
        `smoke: SUPAFLEET_API_TOKEN=$(cat ${tokenFile}) npx supafleet smoke acme --master ${lab.masterUrl} --connect-to 127.0.0.1:${port} --cacert ${ca}`,
      );
      o.print('Ctrl-C stops the demo and removes everything it started.');
      await stopped;
      say('stopping');
    }
  } catch (err) {
    say(`demo failed: ${(err as Error).message}`);
    code = 1;
  } finally {
    cleaning = true;
    await entry?.stop().catch((e: Error) => say(`console entry stop: ${e.message}`));
    await caddy?.stop().catch((e: Error) => say(`caddy stop: ${e.message}`));
    if (lab) {
      report.trace = lab.trace();
      await lab.stop().catch((e: Error) => say(`lab stop: ${e.message}`));
    }
    rmSync(dir, { recursive: true, force: true });
    run.done();
    writeReport();
    say(
      `cleaned up: ${report.trace?.namespaces.length ?? 0} namespaces, ${(report.trace?.pids.length ?? 0) + (caddy ? 1 : 0)} processes, temp dirs`,
    );
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
  return code;
}
