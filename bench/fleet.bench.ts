/**
 * Fleet benchmark, from the e2e harness: examples/fleet applied through core/apply
 * (as the provision action) on the lab — network namespaces with real WireGuard
 * when root, else the in-process lab. Figures: wall time from apply start to all
 * three projects healthy with routes, and per project the master API calls, the
 * Hetzner API calls, and the Kong Admin API calls and entities written (from the
 * routes reports the master returns).
 */
import { resolve } from 'node:path';
import { memoryLogger } from '../core/apply/ports.ts';
import { applyFleet, labTarget, loadFleet } from '../e2e/demo/apply.ts';
import { readExampleSealKey } from '../e2e/lab/behind-caddy.ts';
import { startLab } from '../e2e/lab/index.ts';
import type { BenchResult } from './types.ts';

const TARGET_MS = 20_000;

export async function run(): Promise<BenchResult[]> {
  const root = resolve('examples/fleet');
  const loaded = await loadFleet(root);
  const key = readExampleSealKey(root);
  const lab = await startLab({ fleet: { spec: loaded.fleet, sealPrivateKey: key } });
  try {
    let masterCalls = 0;
    const counting: typeof fetch = (input, init) => {
      masterCalls++;
      return fetch(input, init);
    };
    const hetznerBefore = lab.hetzner.calls().length;
    const log = memoryLogger();
    const started = performance.now();
    const { results } = await applyFleet(loaded, labTarget(lab, counting), log);
    const ms = performance.now() - started;
    const failed = results.filter((r) => r.outcome !== 'created');
    if (failed.length > 0) {
      throw new Error(
        `the fleet bench apply failed: ${failed.map((r) => `${r.project}: ${r.error}`).join('; ')}`,
      );
    }
    const n = results.length;
    const hetznerCalls = lab.hetzner.calls().length - hetznerBefore;
    const reports = log.lines
      .map((l) =>
        /routes reconciled \((\d+) created, (\d+) updated, (\d+) deleted; (\d+) Kong calls\)/.exec(l),
      )
      .filter((m) => m !== null);
    if (reports.length !== n)
      throw new Error(`expected ${n} routes reports in the apply log, found ${reports.length}`);
    const kongWrites = reports.reduce((sum, m) => sum + Number(m[1]) + Number(m[2]) + Number(m[3]), 0);
    const kongCalls = reports.reduce((sum, m) => sum + Number(m[4]), 0);
    const where = lab.mode === 'namespaces' ? 'namespaces, real WireGuard' : 'in-process lab';
    return [
      {
        name: `fleet apply (${where}): examples/fleet, apply start to ${n} projects healthy with routes`,
        value: Math.round(ms),
        unit: 'ms',
        target: `< ${TARGET_MS} ms`,
        ok: ms < TARGET_MS,
      },
      {
        name: 'fleet apply: master API calls per project (incl. health polls at 300 ms)',
        value: Math.round((masterCalls / n) * 10) / 10,
        unit: 'calls',
        target: 'recorded',
        ok: true,
      },
      {
        name: 'fleet apply: Hetzner API calls per project (incl. the fleet read, firewall, action polls)',
        value: Math.round((hetznerCalls / n) * 10) / 10,
        unit: 'calls',
        target: 'recorded',
        ok: true,
      },
      {
        name: 'fleet apply: Kong Admin API calls per project (routes reconcile: lists and writes)',
        value: Math.round((kongCalls / n) * 10) / 10,
        unit: 'calls',
        target: 'recorded',
        ok: true,
      },
      {
        name: 'fleet apply: Kong entities written per project (routes reconcile)',
        value: Math.round((kongWrites / n) * 10) / 10,
        unit: 'entities',
        target: 'recorded',
        ok: true,
      },
    ];
  } finally {
    await lab.stop();
  }
}
