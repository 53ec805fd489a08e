import { describe, expect, it } from 'vitest';
import { createHeartbeatWriter } from './heartbeat-writer.ts';

/** A store that records each batch and answers after the test releases it. */
function fakeStore(fail = false) {
  const batches: string[][] = [];
  const store = {
    async recordHeartbeats(batch: readonly { project: string; reportJson: string }[]) {
      batches.push(batch.map((b) => `${b.project}:${b.reportJson}`));
      await new Promise((r) => setTimeout(r, 1));
      if (fail) throw new Error('db down');
      return new Map(batch.filter((b) => b.project !== 'ghost').map((b) => [b.project, 7]));
    },
  };
  return { store, batches };
}

describe('createHeartbeatWriter', () => {
  it('when reports arrive in the same turn, then they are written in one batch and each gets its revision', async () => {
    const { store, batches } = fakeStore();
    const w = createHeartbeatWriter(store, { historySize: 10 });
    const out = await Promise.all([w.write('a', '1'), w.write('b', '2'), w.write('c', '3')]);
    expect(out).toEqual([7, 7, 7]);
    expect(batches).toEqual([['a:1', 'b:2', 'c:3']]);
  });

  it('when one project reports twice in a turn, then its reports go in separate batches, in order', async () => {
    const { store, batches } = fakeStore();
    const w = createHeartbeatWriter(store, { historySize: 10, maxInFlight: 1 });
    await Promise.all([w.write('a', '1'), w.write('a', '2'), w.write('b', '3')]);
    expect(batches).toEqual([['a:1', 'b:3'], ['a:2']]);
  });

  it('when a batch is larger than the limit, then it is split', async () => {
    const { store, batches } = fakeStore();
    const w = createHeartbeatWriter(store, { historySize: 10, maxBatch: 2, maxInFlight: 8 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((p) => w.write(p, 'x')));
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
  });

  it('when the project is unknown, then its write resolves undefined', async () => {
    const { store } = fakeStore();
    const w = createHeartbeatWriter(store, { historySize: 10 });
    expect(await w.write('ghost', 'x')).toBeUndefined();
  });

  it('when the store fails, then every write of the batch rejects and later writes still run', async () => {
    const bad = fakeStore(true);
    const w = createHeartbeatWriter(bad.store, { historySize: 10 });
    const results = await Promise.allSettled([w.write('a', '1'), w.write('b', '2')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(w.write('c', '3')).rejects.toThrow('db down');
    expect(bad.batches).toHaveLength(2);
  });
});

describe('createHeartbeatWriter with a report Postgres refuses', () => {
  /** A store that refuses, like jsonb, any batch holding the report "bad" (SQLSTATE 22P05). */
  function refusingStore() {
    const batches: string[][] = [];
    return {
      batches,
      store: {
        async recordHeartbeats(batch: readonly { project: string; reportJson: string }[]) {
          batches.push(batch.map((b) => b.project));
          await new Promise((r) => setTimeout(r, 1));
          if (batch.some((b) => b.reportJson === 'bad')) {
            throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
          }
          return new Map(batch.map((b) => [b.project, 3]));
        },
      },
    };
  }

  it('when one report of a batch is refused, then the batch is retried row by row and only its sender fails', async () => {
    const { store, batches } = refusingStore();
    const w = createHeartbeatWriter(store, { historySize: 10 });
    const results = await Promise.allSettled([
      w.write('a', 'ok'),
      w.write('evil', 'bad'),
      w.write('z', 'ok'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'x'))).toEqual([3, 'x', 3]);
    expect(batches).toEqual([['a', 'evil', 'z'], ['a'], ['evil'], ['z']]);
  });

  it('when the store fails for another reason (an outage), then the batch fails once, not once per report', async () => {
    const bad = fakeStore(true);
    const w = createHeartbeatWriter(bad.store, { historySize: 10 });
    await Promise.allSettled([w.write('a', '1'), w.write('b', '2'), w.write('c', '3')]);
    expect(bad.batches).toHaveLength(1);
  });
});

describe('createHeartbeatWriter ordering and retries', () => {
  it('when a batch is written, then its reports are in project order (so concurrent batches lock alike)', async () => {
    const { store, batches } = fakeStore();
    const w = createHeartbeatWriter(store, { historySize: 10 });
    await Promise.all(['c', 'a', 'b'].map((p) => w.write(p, 'x')));
    expect(batches).toEqual([['a:x', 'b:x', 'c:x']]);
  });

  it('when the statement hits a deadlock once, then it is retried and the writes succeed', async () => {
    let calls = 0;
    const store = {
      async recordHeartbeats(batch: readonly { project: string }[]) {
        calls++;
        if (calls === 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        return new Map(batch.map((b) => [b.project, 1]));
      },
    };
    const w = createHeartbeatWriter(store, { historySize: 10 });
    expect(await w.write('a', 'x')).toBe(1);
    expect(calls).toBe(2);
  });
});
