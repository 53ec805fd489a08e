/**
 * The demo reads the fleet's health for its status table once every project is healthy, or after
 * a bound: a project whose service probe failed once after its apply recovers at the next heartbeat.
 */
import type { DemoApply } from './apply.ts';

/** How long the demo gives a project that turned unhealthy after its apply to recover. */
const RECOVER_MS = 30_000;

/**
 * The projects' views once every named one is healthy, or after RECOVER_MS, whichever comes
 * first: a service probe that timed out once on a busy machine (a worker's `meta unhealthy`)
 * recovers at the next heartbeat. Says which project it waits for and why.
 */
export async function healthyOrWait(
  master: Pick<DemoApply['master'], 'listProjects'>,
  names: readonly string[],
  say: (line: string) => void,
  timing: { readonly recoverMs: number; readonly pollMs: number } = { recoverMs: RECOVER_MS, pollMs: 1_000 },
): Promise<Awaited<ReturnType<DemoApply['master']['listProjects']>>> {
  const deadline = Date.now() + timing.recoverMs;
  let said = '';
  for (let i = 0; ; i++) {
    const views = await master.listProjects();
    const unwell = names
      .map((n) => views.find((v) => v.name === n))
      .filter((v) => v !== undefined && v.health.state !== 'healthy');
    if (unwell.length === 0 || Date.now() >= deadline || i >= 60) return views;
    const line = unwell
      .map((v) => `${v!.name} ${v!.health.state} (${v!.health.reasons.join('; ')})`)
      .join(', ');
    if (line !== said) say(`health: ${line}; waiting up to ${timing.recoverMs / 1000} s for it to recover`);
    said = line;
    await new Promise((r) => setTimeout(r, timing.pollMs));
  }
}
