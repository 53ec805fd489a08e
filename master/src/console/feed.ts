import type { ConsoleFleet } from './fleet-view.ts';

/**
 * One poller for every open console: while at least one page listens, the fleet is read every
 * `intervalMs` and handed to every listener, which sends it on when something an operator would
 * notice changed (a health state or reason, a revision, a peer, a backup, the project list). Ages tick
 * every second, so they are left out of the comparison; the page ages them itself. Polling, not
 * hooks in the heartbeat path, so a project that goes silent (down after 3 minutes without a
 * heartbeat) shows up too. No listener, no reads.
 */
export interface FleetFeed {
  /** The newest snapshot (read now when no poll ran yet). */
  current(): Promise<ConsoleFleet>;
  /** Calls `listener` with every polled snapshot until the returned function is called; each listener sends only changes (`changeKey`). */
  subscribe(listener: (fleet: ConsoleFleet) => void): () => void;
  /** Stops polling (listeners stay registered but get nothing more). */
  stop(): void;
}

/** The snapshot without its clock-driven fields: equal keys mean nothing worth sending changed. */
export function changeKey(f: ConsoleFleet): string {
  return JSON.stringify({
    ...f,
    generated_at: undefined,
    projects: f.projects.map((p) => ({
      ...p,
      heartbeat_age_s: p.heartbeat_age_s === null ? null : 'set',
      wireguard: { state: p.wireguard.state },
      backup: p.backup === null ? null : { ...p.backup, age_s: undefined },
    })),
  });
}

export function createFleetFeed(opts: {
  load: () => Promise<ConsoleFleet>;
  intervalMs: number;
  onError: (err: unknown) => void;
}): FleetFeed {
  const listeners = new Set<(fleet: ConsoleFleet) => void>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let stopped = false;

  const poll = async (): Promise<void> => {
    if (polling) return; // a slow read is not overtaken by the next tick
    polling = true;
    try {
      const f = await opts.load();
      for (const l of [...listeners]) l(f);
    } catch (err) {
      opts.onError(err);
    } finally {
      polling = false;
    }
  };

  return {
    current: () => opts.load(),
    subscribe(listener) {
      listeners.add(listener);
      if (!timer && !stopped) {
        timer = setInterval(() => void poll(), opts.intervalMs);
        timer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (timer && listeners.size === 0) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
