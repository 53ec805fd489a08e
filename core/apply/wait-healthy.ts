/**
 * Waits until the master reports a project `healthy` with at least the wanted bundle
 * revision applied, logging a progress line whenever the state changes and at least
 * once a minute. Bounded in time and in polls.
 */
import type { ProjectView } from '../master-client/types.ts';
import { formatDuration } from './duration.ts';
import type { Clock, Logger, MasterApi } from './ports.ts';

export interface WaitHealthyOptions {
  readonly name: string;
  readonly revision: number;
  readonly timeoutMs: number;
  /** Time between two reads of the master (default 10 s). */
  readonly pollMs?: number;
}

export class HealthTimeoutError extends Error {
  readonly last?: ProjectView;
  constructor(message: string, last?: ProjectView) {
    super(message);
    this.name = 'HealthTimeoutError';
    if (last) this.last = last;
  }
}

function describe(view: ProjectView | undefined): string {
  if (!view) return 'not registered';
  const h = view.health;
  const reasons = h.reasons.length > 0 ? ` (${h.reasons.slice(0, 3).join(', ')})` : '';
  const applied = h.applied_revision === null ? 'none' : String(h.applied_revision);
  return `${h.state}${reasons}, ${view.enrolled ? 'enrolled' : 'not enrolled yet'}, applied revision ${applied}`;
}

function done(view: ProjectView | undefined, revision: number): boolean {
  return (
    view !== undefined &&
    view.health.state === 'healthy' &&
    view.health.applied_revision !== null &&
    view.health.applied_revision >= revision
  );
}

export async function waitHealthy(
  deps: { master: MasterApi; clock: Clock; log: Logger },
  opts: WaitHealthyOptions,
): Promise<ProjectView> {
  const pollMs = Math.max(10, opts.pollMs ?? 10_000);
  const start = deps.clock.now();
  const deadline = start + opts.timeoutMs;
  const maxPolls = Math.ceil(opts.timeoutMs / pollMs) + 2;
  let lastLine = '';
  let lastLogAt = -Infinity;
  let view: ProjectView | undefined;
  for (let poll = 0; poll < maxPolls; poll++) {
    view = await deps.master.getProject(opts.name);
    const now = deps.clock.now();
    const line = describe(view);
    if (done(view, opts.revision)) {
      deps.log.info(
        `${opts.name}: healthy at revision ${opts.revision} after ${formatDuration(now - start)}`,
      );
      return view!;
    }
    if (line !== lastLine || now - lastLogAt >= 60_000) {
      deps.log.info(
        `${opts.name}: waiting for revision ${opts.revision} and healthy: ${line} ` +
          `(${formatDuration(now - start)} of ${formatDuration(opts.timeoutMs)})`,
      );
      lastLine = line;
      lastLogAt = now;
    }
    if (now >= deadline) break;
    await deps.clock.sleep(Math.min(pollMs, Math.max(0, deadline - now)));
  }
  throw new HealthTimeoutError(
    `${opts.name} did not become healthy at revision ${opts.revision} within ${formatDuration(opts.timeoutMs)}; ` +
      `last seen: ${describe(view)}`,
    view,
  );
}
