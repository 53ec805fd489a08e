/**
 * Project Studios on demand: the first request for a project's Studio starts its container,
 * later ones find it running; a Studio nobody used for `idleMs` is stopped, and when `max` are
 * running the least recently used one makes room. This bounds the master's memory: at most
 * `max` Studios of `memoryMb` each, whatever the number of projects (docs/studio.md).
 *
 * Ports come from a fixed range on loopback, one slot per running Studio. A start that fails
 * is remembered for `retryMs`, so a broken image is not pulled again on every page refresh.
 */
import type { StudioRuntime } from './runtime.ts';
import type { StudioSettings } from './settings.ts';
import { studioContainerName } from './settings.ts';

export interface StudioPoolOptions {
  readonly runtime: StudioRuntime;
  /** The project's Studio settings (reads the registry; throws when the project is unknown). */
  readonly settingsFor: (project: string) => Promise<StudioSettings>;
  /** True once Studio answers on the port (its health check: GET /api/platform/profile). */
  readonly ready: (port: number) => Promise<boolean>;
  readonly max: number;
  readonly memoryMb: number;
  readonly portBase: number;
  readonly idleMs: number;
  /** How long a failed start is reported before the next request tries again. */
  readonly retryMs?: number;
  /** How long a start may take before it counts as failed (an image pull included). */
  readonly startTimeoutMs?: number;
  /** Between readiness checks while starting. */
  readonly pollMs?: number;
  readonly now?: () => number;
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
}

export type StudioState =
  | { readonly state: 'ready'; readonly port: number }
  | { readonly state: 'starting'; readonly sinceMs: number }
  | { readonly state: 'failed'; readonly reason: string };

interface Instance {
  readonly project: string;
  readonly slot: number;
  state: 'starting' | 'ready' | 'failed';
  startedAt: number;
  lastUsed: number;
  reason?: string;
}

export interface StudioPool {
  /** The project's Studio: ready (with its port), starting (started now if it was not), or failed. */
  open(project: string): StudioState;
  /** Stops every Studio idle for `idleMs` or more (and forgets failures older than `retryMs`). */
  sweep(): Promise<void>;
  /** Removes Studio containers a previous master run left behind; call once at start. */
  adopt(): Promise<void>;
  /** Stops the project's Studio now, whatever its state (its project was deleted). */
  remove(project: string, why: string): Promise<void>;
  /** Stops every Studio this pool started. */
  close(): Promise<void>;
  /** Projects with a Studio, for metrics and tests. */
  running(): string[];
}

export function createStudioPool(o: StudioPoolOptions): StudioPool {
  if (!Number.isInteger(o.max) || o.max < 1)
    throw new Error(`Studio pool max is ${o.max}; expected 1 or more`);
  const now = o.now ?? Date.now;
  const retryMs = o.retryMs ?? 30_000;
  const startTimeoutMs = o.startTimeoutMs ?? 5 * 60_000;
  const pollMs = o.pollMs ?? 1000;
  const log = o.log ?? (() => undefined);
  const instances = new Map<string, Instance>();
  const port = (i: Instance): number => o.portBase + i.slot;

  const freeSlot = (): number => {
    const used = new Set([...instances.values()].map((i) => i.slot));
    for (let s = 0; s < o.max; s++) if (!used.has(s)) return s;
    return -1;
  };

  const stop = async (i: Instance, why: string): Promise<void> => {
    if (instances.get(i.project) === i) instances.delete(i.project);
    log('studio.stop', { project: i.project, why });
    await o.runtime
      .remove(studioContainerName(i.project))
      .catch((err: Error) => log('studio.stop_failed', { project: i.project, error: err.message }));
  };

  const start = async (i: Instance, after: Promise<void>): Promise<void> => {
    try {
      await after; // the slot's previous Studio is gone, so its port is free
      const settings = await o.settingsFor(i.project);
      await o.runtime.start(settings, { port: port(i), memoryMb: o.memoryMb });
      // stopped while the container was being created: the stop found nothing to remove yet
      if (instances.get(i.project) !== i) {
        if (!instances.has(i.project)) await stop(i, 'stopped while starting');
        return;
      }
      const deadline = i.startedAt + startTimeoutMs;
      for (let n = 0; n < Math.ceil(startTimeoutMs / pollMs) + 1; n++) {
        if (instances.get(i.project) !== i) return; // stopped meanwhile
        if (await o.ready(port(i)).catch(() => false)) {
          i.state = 'ready';
          log('studio.ready', { project: i.project, port: port(i), after_ms: now() - i.startedAt });
          return;
        }
        if (now() >= deadline) break;
        await new Promise((r) => setTimeout(r, pollMs));
      }
      throw new Error(
        `Studio did not answer on 127.0.0.1:${port(i)} within ${Math.round(startTimeoutMs / 1000)} s`,
      );
    } catch (err) {
      if (instances.get(i.project) !== i) return;
      i.state = 'failed';
      i.reason = (err as Error).message;
      i.startedAt = now();
      log('studio.failed', { project: i.project, error: i.reason });
      await o.runtime.remove(studioContainerName(i.project)).catch(() => undefined);
    }
  };

  return {
    open(project) {
      const t = now();
      let i = instances.get(project);
      if (i?.state === 'failed' && t - i.startedAt >= retryMs) {
        instances.delete(project);
        i = undefined;
      }
      if (!i) {
        let slot = freeSlot();
        let freed: Promise<void> = Promise.resolve();
        if (slot < 0) {
          // the least recently used Studio makes room (a failed one first)
          const victim = [...instances.values()].sort(
            (a, b) => Number(b.state === 'failed') - Number(a.state === 'failed') || a.lastUsed - b.lastUsed,
          )[0]!;
          slot = victim.slot;
          freed = stop(victim, `room for ${project} (at most ${o.max} Studios)`);
        }
        i = { project, slot, state: 'starting', startedAt: t, lastUsed: t };
        instances.set(project, i);
        log('studio.start', { project, port: port(i) });
        void start(i, freed);
      }
      i.lastUsed = t;
      if (i.state === 'ready') return { state: 'ready', port: port(i) };
      if (i.state === 'failed') return { state: 'failed', reason: i.reason ?? 'Studio did not start' };
      return { state: 'starting', sinceMs: t - i.startedAt };
    },
    async sweep() {
      const t = now();
      for (const i of [...instances.values()]) {
        if (i.state === 'failed' && t - i.startedAt >= retryMs) instances.delete(i.project);
        else if (i.state !== 'failed' && t - i.lastUsed >= o.idleMs) await stop(i, 'idle');
      }
    },
    async adopt() {
      for (const name of await o.runtime.list()) {
        if (!name.startsWith('supafleet-studio-')) continue;
        await o.runtime
          .remove(name)
          .catch((err: Error) => log('studio.stop_failed', { container: name, error: err.message }));
      }
    },
    async remove(project, why) {
      const i = instances.get(project);
      if (i) await stop(i, why);
    },
    async close() {
      await Promise.all([...instances.values()].map((i) => stop(i, 'master stopping')));
    },
    running() {
      return [...instances.keys()].sort();
    },
  };
}
