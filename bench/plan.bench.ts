/**
 * Planner benchmark: 1,000 desired projects against a 1,000-project actual state (registry
 * rows and labelled servers), with a realistic mix of no-ops, in-place updates, type changes,
 * creates, deletes and orphans; planning plus all three renderings.
 */
import { performance } from 'node:perf_hooks';
import { workerLabels, workerServerName } from '../core/naming/labels.ts';
import { plan, renderJson, renderMarkdown, renderText } from '../core/plan/index.ts';
import type { ActualState, DesiredState } from '../core/plan/index.ts';
import type { FleetSpec, ProjectSpec } from '../core/spec/types.ts';
import type { BenchResult } from './types.ts';

const N = 1000;
const TARGET_MS = 1500;

const FLEET: FleetSpec = {
  name: 'bench',
  domain: 'example.com',
  github: { repository_id: 1, owner_id: 2 },
  master: { server: { type: 'cx32', location: 'fsn1' } },
  storage_box: { host: 'u1.your-storagebox.de', user: 'u1', id: 4711 },
  seal: { public_key: 'IPerVMSGUI9qd6uAm5clH5Vd/qn0u5XRvjHbJe+b0jM=' },
};

function spec(i: number, variant: number): ProjectSpec {
  const name = `p${String(i).padStart(4, '0')}`;
  return {
    name,
    server: { type: variant === 2 ? 'cx32' : 'cx22', location: 'fsn1' },
    protect: i % 10 === 0,
    auth: {
      site_url: `https://${name}.example.org${variant === 1 ? '/v2' : ''}`,
      redirect_urls: [`https://${name}.example.org/callback`],
      smtp: {
        host: 'smtp.example.com',
        port: 587,
        user: 'apikey',
        pass: `sealed:v1:${name}:auth.smtp.pass:${Buffer.alloc(64, i + variant).toString('base64')}`,
        sender: `no-reply@${name}.example.org`,
      },
    },
    functions: {
      secrets: {
        STRIPE_KEY: `sealed:v1:${name}:functions.secrets.STRIPE_KEY:${Buffer.alloc(64, i).toString('base64')}`,
      },
    },
    backup: { schedule: '0 3 * * *', keep: { daily: 7, weekly: 4, monthly: 6 } },
  };
}

/** 1,000 desired and 1,000 actual: 85% same, 5% in-place, 5% type change, 2.5% new, 2.5% gone, plus orphans. */
function states(): { desired: DesiredState; actual: ActualState } {
  const desired: ProjectSpec[] = [];
  const actual: ActualState = { projects: [], servers: [] };
  const rows = actual.projects as ActualState['projects'][number][];
  const servers = actual.servers as ActualState['servers'][number][];
  for (let i = 0; i < N; i++) {
    const kind = i % 40;
    const current = spec(i, 0);
    const wanted = kind === 1 || kind === 2 ? spec(i, 1) : kind === 3 || kind === 4 ? spec(i, 2) : current;
    if (kind !== 5) desired.push(wanted);
    const deleted = kind === 6;
    if (!deleted) {
      const protectOff = kind === 5 ? { ...current, protect: false } : current;
      rows.push({ name: current.name, spec: protectOff, revision: 3, status: 'healthy' });
      servers.push({
        id: 10_000 + i,
        name: workerServerName(FLEET.name, current.name),
        status: 'running',
        server_type: current.server.type,
        location: current.server.location,
        labels: workerLabels(FLEET.name, current.name),
      });
    }
  }
  for (let i = 0; i < 10; i++) {
    servers.push({
      id: 90_000 + i,
      name: `bench-orphan-${i}`,
      status: 'running',
      server_type: 'cx22',
      location: 'fsn1',
      labels: workerLabels(FLEET.name, `orphan-${i}`),
    });
  }
  return { desired: { fleet: FLEET, projects: desired }, actual };
}

function once(desired: DesiredState, actual: ActualState): { ms: number; steps: number } {
  const start = performance.now();
  const result = plan(desired, actual);
  renderMarkdown(result);
  renderText(result);
  renderJson(result);
  return { ms: performance.now() - start, steps: result.steps.length };
}

export async function run(): Promise<BenchResult[]> {
  const { desired, actual } = states();
  const cold = once(desired, actual);
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) warm.push(once(desired, actual).ms);
  warm.sort((a, b) => a - b);
  const median = warm[2]!;
  const round = (n: number) => Math.round(n * 10) / 10;
  return [
    {
      name: `plan ${N} projects vs ${N}-project actual state (${cold.steps} steps) + 3 renderings, first run`,
      value: round(cold.ms),
      unit: 'ms',
      target: `< ${TARGET_MS} ms`,
      ok: cold.ms < TARGET_MS,
    },
    {
      name: `plan ${N} projects vs ${N}-project actual state + 3 renderings, median of 5`,
      value: round(median),
      unit: 'ms',
      target: `< ${TARGET_MS} ms`,
      ok: median < TARGET_MS,
    },
  ];
}
