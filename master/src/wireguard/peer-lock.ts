/**
 * One at a time for every change that reads the registry and the live WireGuard peers together:
 * enrollment, project deletion and the peer reconciler. Without it the reconciler could read a
 * project as enrolled while its deletion has already removed the live peer, and put the peer of
 * a project being deleted back for good.
 */
export interface PeerLock {
  /** Runs `fn` once every earlier holder has finished (whether it resolved or threw). */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/** An in-process lock: the master is one process, and these changes are rare and short. */
export function createPeerLock(): PeerLock {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      const next = tail.then(() => fn());
      tail = next.catch(() => undefined);
      return next;
    },
  };
}
