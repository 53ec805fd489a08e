/** A bounded-parallel runner: at most `limit` tasks at once, results in input order, none lost. */

export type Settled<R> =
  { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: Error };

export async function runBounded<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<Settled<R>[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`parallelism ${limit} is not valid; expected a whole number of at least 1`);
  }
  const results: Settled<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { ok: true, value: await task(items[index] as T, index) };
      } catch (err) {
        results[index] = { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
