/**
 * Apply benchmark: the provision logic of the apply workflow (core/apply) against the
 * fake Hetzner API on loopback and an in-memory master whose workers are healthy at once.
 * Figures: Hetzner calls per created project with the whole flow (actual state read,
 * firewall, create, action polls counted apart), the mutating calls of a re-run with
 * nothing to do, and the wall time of 40 projects at parallelism 4.
 */
import { readActual } from '../core/apply/actual.ts';
import { workerFirewallRules } from '../core/apply/firewall.ts';
import { runBounded } from '../core/apply/parallel.ts';
import { memoryLogger, type Clock } from '../core/apply/ports.ts';
import { provisionProject } from '../core/apply/provision.ts';
import { fakeMaster } from '../core/apply/test/fakes.ts';
import { HetznerClient } from '../core/hetzner/client.ts';
import { startFakeHetzner } from '../fakes/hetzner/index.ts';
import { plan } from '../core/plan/index.ts';
import { resolveFleet } from '../core/spec/defaults.ts';
import type { FleetSpec, ProjectSpec } from '../core/spec/types.ts';
import type { BenchResult } from './types.ts';

const PROJECTS = 40;
const TOKEN = 'a'.repeat(64);
const fleet: FleetSpec = {
  name: 'bench',
  domain: 'example.com',
  github: { repository: 'o/r', repository_id: 1, owner_id: 2 },
  master: { server: { type: 'cx32', location: 'fsn1' } },
  storage_box: { host: 'u1.your-storagebox.de', user: 'u1', shared_credential: true },
  seal: { public_key: Buffer.alloc(32, 1).toString('base64') },
};
const specs: ProjectSpec[] = Array.from({ length: PROJECTS }, (_, i) => ({
  name: `p${String(i).padStart(3, '0')}`,
  server: { type: 'cx22', location: 'fsn1' },
}));

async function applyOnce(
  hetzner: HetznerClient,
  master: ReturnType<typeof fakeMaster>['master'],
  clock: Clock,
) {
  const log = memoryLogger();
  const actual = await readActual({ master, hetzner, log }, { fleet, desired: specs });
  const result = plan({ fleet, projects: specs }, actual);
  const steps = result.steps.filter((s) => s.kind === 'create' || s.kind === 'update');
  if (steps.some((s) => s.kind === 'create')) {
    await hetzner.ensureWorkerFirewall(fleet.name, workerFirewallRules(resolveFleet(fleet)));
  }
  const out = await runBounded(steps, 4, (step) =>
    provisionProject(
      { master, hetzner, clock, log },
      {
        fleet,
        spec: specs.find((s) => s.name === step.project)!,
        step,
        masterWgPublicKey: Buffer.alloc(32, 9).toString('base64'),
        waitMs: 60_000,
        pollMs: 1000,
      },
    ),
  );
  return out.filter((r) => r.ok && r.value.outcome !== 'failed').length;
}

function split(calls: Record<string, number>): { polls: number; other: number; mutating: number } {
  let polls = 0;
  let other = 0;
  let mutating = 0;
  for (const [kind, n] of Object.entries(calls)) {
    if (kind === 'GET /actions/{id}') polls += n;
    else other += n;
    if (!kind.startsWith('GET ')) mutating += n;
  }
  return { polls, other, mutating };
}

export async function run(): Promise<BenchResult[]> {
  let offset = 0;
  const clock: Clock = {
    now: () => Date.now() + offset,
    sleep: async (ms) => {
      offset += ms;
      await new Promise((r) => setImmediate(r));
    },
  };
  const fake = await startFakeHetzner({ token: TOKEN, actionDurationMs: 0 });
  try {
    const hetzner = new HetznerClient({
      token: TOKEN,
      endpoint: fake.url,
      now: clock.now,
      sleep: clock.sleep,
    });
    const { master } = fakeMaster({ healthyAfterPolls: 0 });
    const start = performance.now();
    const created = await applyOnce(hetzner, master, clock);
    const wall = performance.now() - start;
    const first = split(hetzner.calls());
    hetzner.resetCalls();
    await applyOnce(hetzner, master, clock);
    const rerun = split(hetzner.calls());
    const perProject = Math.round((first.other / Math.max(1, created)) * 100) / 100;
    return [
      {
        name: `apply: Hetzner calls per created project, whole flow, excluding action polls (${created} projects)`,
        value: perProject,
        unit: 'calls',
        target: '<= 6',
        ok: created === PROJECTS && perProject <= 6,
      },
      {
        name: 'apply: mutating Hetzner calls of a re-run with nothing changed',
        value: rerun.mutating,
        unit: 'calls',
        target: '0',
        ok: rerun.mutating === 0,
      },
      {
        name: `apply: ${PROJECTS} projects provisioned at parallelism 4 (fake Hetzner, in-memory master)`,
        value: Math.round(wall),
        unit: 'ms',
        target: '< 10000 ms',
        ok: wall < 10_000,
      },
    ];
  } finally {
    await fake.close();
  }
}
