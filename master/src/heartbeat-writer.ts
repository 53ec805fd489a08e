import type { Queries } from './registry/queries.ts';

/**
 * Batches heartbeats into few statements. A report is queued and written with
 * everything else that arrived in the same turn of the event loop (no timer, so
 * a lone heartbeat is written at once); under load, reports that arrive while
 * the writes in flight finish make up the next batch. One round trip then
 * carries many heartbeats, which is what keeps ingestion cheap.
 */
export interface HeartbeatWriter {
  /** Stores the report; resolves to the project's desired revision (undefined: no such project). */
  write(project: string, reportJson: string): Promise<number | undefined>;
}

interface Pending {
  readonly project: string;
  readonly reportJson: string;
  resolve(revision: number | undefined): void;
  reject(err: unknown): void;
}

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * SQLSTATE class 22, data exception: Postgres refused a value (22P05 for `\\u0000` or a lone
 * surrogate in jsonb), not the statement or the connection. Only such a failure is retried row by
 * row; an outage fails the batch once instead of once per report.
 */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

export function createHeartbeatWriter(
  store: Pick<Queries, 'recordHeartbeats'>,
  opts: { historySize: number; maxBatch?: number; maxInFlight?: number },
): HeartbeatWriter {
  const maxBatch = opts.maxBatch ?? 500;
  const maxInFlight = opts.maxInFlight ?? 2;
  let queue: Pending[] = [];
  let inFlight = 0;
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    while (inFlight < maxInFlight && queue.length > 0) {
      // one report per project per statement (an upsert may touch a row once)
      const batch: Pending[] = [];
      const rest: Pending[] = [];
      const seen = new Set<string>();
      for (const p of queue) {
        if (batch.length < maxBatch && !seen.has(p.project)) {
          seen.add(p.project);
          batch.push(p);
        } else {
          rest.push(p);
        }
      }
      queue = rest;
      batch.sort((a, b) => (a.project < b.project ? -1 : a.project > b.project ? 1 : 0));
      inFlight++;
      writeBatch(batch)
        .catch((err: unknown) => {
          if (batch.length === 1 || !isDataError(err)) throw err;
          // One report the edge let through but Postgres refuses must not fail the others: the
          // batch is retried one report at a time, in project order, so only its sender fails.
          return writeOneByOne(batch);
        })
        .then(
          (revisions) => {
            for (const p of batch) p.resolve(revisions.get(p.project));
          },
          (err: unknown) => {
            for (const p of batch) p.reject(err);
          },
        )
        .finally(() => {
          inFlight--;
          if (queue.length > 0) schedule();
        });
    }
  };
  /** One statement for the batch; a lock conflict with a concurrent statement is retried once. */
  const writeBatch = (batch: readonly Pending[]): Promise<Map<string, number>> => {
    const write = () => store.recordHeartbeats(batch, opts.historySize);
    return write().catch((err: unknown) => (isRetryable(err) ? write() : Promise.reject(err)));
  };
  /**
   * Writes each report alone; settles the ones that fail with their own error and resolves to the
   * revisions of the others (a failed report is absent from the map, and settled already).
   */
  const writeOneByOne = async (batch: readonly Pending[]): Promise<Map<string, number>> => {
    const out = new Map<string, number>();
    for (const p of batch) {
      try {
        const one = await writeBatch([p]);
        const revision = one.get(p.project);
        if (revision !== undefined) out.set(p.project, revision);
      } catch (err) {
        p.reject(err);
      }
    }
    return out;
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    write(project, reportJson) {
      return new Promise((resolve, reject) => {
        queue.push({ project, reportJson, resolve, reject });
        schedule();
      });
    },
  };
}
