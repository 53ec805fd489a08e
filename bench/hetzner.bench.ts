/**
 * Hetzner client benchmark against the fake on loopback: the calls a provision run makes
 * per created project (firewall ensured once, then per project: look up by labels, create,
 * poll the action, read the server back), and the mutating calls of a re-run with nothing
 * to do. Action polls (`GET /actions/{id}`) are counted apart, as the target excludes them.
 */
import { HetznerClient } from '../core/hetzner/client.ts';
import { startFakeHetzner } from '../fakes/hetzner/index.ts';
import type { FirewallRule } from '../core/hetzner/types.ts';
import { workerLabels, workerServerName } from '../core/naming/labels.ts';
import type { BenchResult } from './types.ts';

const PROJECTS = 25;
const FLEET = 'bench';
const TOKEN = 'b'.repeat(64);
const RULES: FirewallRule[] = [
  { direction: 'in', protocol: 'tcp', port: '22', source_ips: ['0.0.0.0/0', '::/0'], description: 'ssh' },
];

async function provision(hetzner: HetznerClient): Promise<number> {
  await hetzner.ensureWorkerFirewall(FLEET, RULES);
  let created = 0;
  for (let i = 0; i < PROJECTS; i++) {
    const project = `p${i}`;
    const result = await hetzner.ensureServer(
      {
        name: workerServerName(FLEET, project),
        server_type: 'cx22',
        image: 'ubuntu-24.04',
        location: 'fsn1',
        labels: workerLabels(FLEET, project),
        user_data: '#cloud-config\n',
      },
      { fleet: FLEET, project, role: 'worker' },
    );
    if (result.action) await hetzner.waitForAction(result.action);
    if (result.created) {
      await hetzner.getServer(result.server.id);
      created++;
    }
  }
  return created;
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
  let now = Date.now();
  const clock = () => now;
  const fake = await startFakeHetzner({ token: TOKEN, actionDurationMs: 2000, now: clock });
  try {
    const hetzner = new HetznerClient({
      token: TOKEN,
      endpoint: fake.url,
      now: clock,
      sleep: async (ms) => {
        now += ms; // virtual time: polls stay 1 s apart without the benchmark waiting
      },
    });
    const created = await provision(hetzner);
    const first = split(hetzner.calls());
    hetzner.resetCalls();
    await provision(hetzner);
    const rerun = split(hetzner.calls());
    const perProject = first.other / Math.max(1, created);
    return [
      {
        name: `Hetzner calls per created project, excluding action polls (${created} projects, fake API)`,
        value: Math.round(perProject * 100) / 100,
        unit: 'calls',
        target: '<= 6',
        ok: perProject <= 6,
      },
      {
        name: 'Hetzner action polls per created project (2 s actions, polled 1 s apart)',
        value: Math.round((first.polls / Math.max(1, created)) * 100) / 100,
        unit: 'calls',
        target: 'informational',
        ok: true,
      },
      {
        name: 'Hetzner mutating calls on a re-run with nothing to do',
        value: rerun.mutating,
        unit: 'calls',
        target: '= 0',
        ok: rerun.mutating === 0,
      },
    ];
  } finally {
    await fake.close();
  }
}
