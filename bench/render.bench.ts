/**
 * Rendering 1,000 worker bundles (and, separately, 1,000 worker user_data
 * documents), in a child process of its own so that its peak RSS is the
 * renderers' alone. Targets: bundles in < 2 s, peak RSS < 300 MB.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './types.ts';

const COUNT = 1_000;
const TIMEOUT_MS = 120_000;

interface ChildFigures {
  bundle_ms: number;
  user_data_ms: number;
  max_rss_kb: number;
  bytes: number;
}

/** The work itself: runs in the child. */
async function work(): Promise<ChildFigures> {
  const { resolveFleet, resolveProject } = await import('../core/spec/defaults.ts');
  const { fleetSpec, projectSpecs } = await import('../cloud-init/test/fixtures/specs.ts');
  const { placeholderBackupAccount, placeholderEnrollment, placeholderOpened, placeholderSecrets } =
    await import('../cloud-init/placeholders.ts');
  const { renderWorkerBundle } = await import('../cloud-init/worker/bundle.ts');
  const { renderWorkerUserData } = await import('../cloud-init/worker/user-data.ts');
  const fleet = resolveFleet({ ...fleetSpec, network: { cidr: '10.100.0.0/16' } });
  const templates = Object.values(projectSpecs);
  const projects = Array.from({ length: COUNT }, (_, i) => {
    const spec = templates[i % templates.length]!;
    return resolveProject({ ...spec, name: `p${i}`, subdomain: `p${i}` });
  });
  const secrets = placeholderSecrets();
  let bytes = 0;
  const t0 = performance.now();
  for (const [i, project] of projects.entries()) {
    const bundle = renderWorkerBundle({
      fleet,
      project,
      secrets,
      opened: placeholderOpened(project),
      revision: 1,
      wgAddress: `10.100.${Math.floor((i + 2) / 256)}.${(i + 2) % 256}`,
    });
    for (const content of bundle.values()) bytes += content.length;
  }
  const t1 = performance.now();
  for (const project of projects) {
    const backup = placeholderBackupAccount(fleet);
    const enrollment = placeholderEnrollment(fleet.domain);
    bytes += renderWorkerUserData({ fleet, project, enrollment, ...(backup ? { backup } : {}) }).bytes;
  }
  const t2 = performance.now();
  return { bundle_ms: t1 - t0, user_data_ms: t2 - t1, max_rss_kb: process.resourceUsage().maxRSS, bytes };
}

function runChild(): Promise<ChildFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`render bench child exited with ${code}`));
      resolve(JSON.parse(out) as ChildFigures);
    });
  });
}

export async function run(): Promise<BenchResult[]> {
  const f = await runChild();
  const mb = Math.round((f.max_rss_kb / 1024) * 10) / 10;
  return [
    {
      name: `render ${COUNT} worker bundles: wall time`,
      value: Math.round(f.bundle_ms),
      unit: 'ms',
      target: '< 2000 ms',
      ok: f.bundle_ms < 2000,
    },
    {
      name: `render ${COUNT} worker user_data: wall time`,
      value: Math.round(f.user_data_ms),
      unit: 'ms',
      target: 'report',
      ok: true,
    },
    {
      name: `render ${COUNT} bundles + user_data: peak RSS of the rendering process`,
      value: mb,
      unit: 'MB',
      target: '< 300 MB',
      ok: mb < 300,
    },
  ];
}

if (process.argv.includes('--child')) {
  process.stdout.write(JSON.stringify(await work()));
}
