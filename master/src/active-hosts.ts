/**
 * The subdomains of active projects, held in memory for Caddy's TLS ask: an ask for a junk name
 * costs no query, so a flood of TLS handshakes with random SNIs neither loads the registry nor
 * needs a rate limit that would also hold back real projects' certificates.
 *
 * The set is loaded on first use and again after `invalidate()` (every create, revive and delete
 * of this master calls it) or once it is older than `maxAgeMs` (changes made elsewhere, e.g. a
 * restore, show up within that time). Loads are single-flight; when a reload fails, the last set
 * keeps answering.
 */
export interface ActiveHosts {
  has(subdomain: string): Promise<boolean>;
  invalidate(): void;
}

export function createActiveHosts(
  load: () => Promise<readonly string[]>,
  opts: { maxAgeMs?: number; now?: () => number } = {},
): ActiveHosts {
  const maxAgeMs = opts.maxAgeMs ?? 60_000;
  const now = opts.now ?? Date.now;
  let hosts: ReadonlySet<string> | undefined;
  let loadedAt = 0;
  let stale = true;
  let inflight: Promise<ReadonlySet<string>> | undefined;

  const reload = (): Promise<ReadonlySet<string>> => {
    if (!inflight) {
      stale = false;
      const started = now();
      inflight = load()
        .then((list) => {
          hosts = new Set(list);
          loadedAt = started;
          return hosts;
        })
        .catch((err: unknown) => {
          stale = true;
          if (hosts) return hosts;
          throw err;
        })
        .finally(() => {
          inflight = undefined;
        });
    }
    return inflight;
  };

  return {
    async has(subdomain) {
      const set = !hosts || stale || now() - loadedAt >= maxAgeMs ? await reload() : hosts;
      return set.has(subdomain);
    },
    invalidate() {
      stale = true;
    },
  };
}
