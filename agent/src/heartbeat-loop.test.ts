import { describe, expect, it } from 'vitest';
import { SimClock } from '../test/sim-clock.ts';
import { DEFAULT_TIMING, HeartbeatLoop, regularDelay, type LoopTiming } from './heartbeat-loop.ts';
import { createLogger } from './logger.ts';

const t = DEFAULT_TIMING;

/** A loop on virtual time whose heartbeats take `sendMs` and fail while `down(n)` says so. */
function setup(opts: { timing?: LoopTiming; sendMs?: number; down?: (n: number) => boolean } = {}) {
  const clock = new SimClock();
  const sent: number[] = [];
  const logs: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const loop = new HeartbeatLoop({
    cycle: async () => {
      sent.push(clock.now());
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (opts.sendMs) await clock.sleep(opts.sendMs);
        if (opts.down?.(sent.length)) throw new Error('connect ECONNREFUSED 10.100.0.1:8081');
      } finally {
        inFlight--;
      }
    },
    clock,
    timing: opts.timing ?? t,
    logger: createLogger('acme', { write: (s) => void logs.push(s) }),
    random: () => 0.5,
  });
  return { clock, sent, logs, loop, maxInFlight: () => maxInFlight };
}

const never = new AbortController().signal;

describe('heartbeat timing', () => {
  it.each([
    [0, 27_000],
    [0.5, 30_000],
    [0.999999, 33_000],
  ])('when the master answered and random is %s, then the wait is %s ms (30 s ± 10 %)', (r, want) => {
    expect(regularDelay(t, r)).toBe(want);
  });

  it('when the config sets a 5 s interval, then heartbeats go every 5 s', async () => {
    const { loop, sent } = setup({ timing: { ...t, intervalMs: 5_000 } });
    await loop.run(never, 4);
    expect(sent).toEqual([0, 5_000, 10_000, 15_000]);
  });
});

describe('heartbeat loop', () => {
  it('when the master is down, then the waits grow from 1 s up to 60 s with full jitter, and the first answer brings back the interval', async () => {
    const { loop, clock, sent } = setup({
      timing: { ...t, intervalMs: 45_000 },
      down: (n) => n >= 2 && n <= 9,
    });
    await loop.run(never, 11);
    expect(sent).toHaveLength(11);
    // random 0.5: half of each ceiling 1, 2, 4 … 32, 60, 60 s; then the 45 s interval again.
    expect(clock.waits.map((w) => w.ms)).toEqual([
      45_000, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 45_000,
    ]);
  });

  it('when the master fails again after answering, then the backoff starts again from 1 s', async () => {
    const { loop, clock } = setup({ down: (n) => n === 2 || n === 3 || n === 5 });
    await loop.run(never, 6);
    expect(clock.waits.map((w) => w.ms)).toEqual([30_000, 500, 1_000, 30_000, 500]);
  });

  it('when the master is down for many tries, then the failure is logged once and the recovery once', async () => {
    const { loop, logs } = setup({ down: (n) => n >= 2 && n <= 20 });
    await loop.run(never, 22);
    const lines = logs.map((l) => JSON.parse(l) as { level: number; msg: string; after_failures?: number });
    expect(lines.filter((l) => l.msg === 'heartbeat failed; backing off')).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'master reachable again')).toEqual([
      expect.objectContaining({ level: 30, after_failures: 19 }),
    ]);
    expect(lines).toHaveLength(2);
  });

  it('when a report is asked for during the wait, then the heartbeat goes at once and the interval counts from it', async () => {
    const { loop, clock, sent } = setup();
    clock.at(10_000, () => loop.reportNow());
    await loop.run(never, 4);
    expect(sent).toEqual([0, 10_000, 40_000, 70_000]);
  });

  it('when reports are asked for while a heartbeat is being sent, then they fold into one more heartbeat after it, never two at once', async () => {
    const { loop, clock, sent, maxInFlight } = setup({ sendMs: 100 });
    clock.at(10_000, () => loop.reportNow());
    clock.at(10_030, () => loop.reportNow());
    clock.at(10_060, () => loop.reportNow());
    await loop.run(never, 4);
    expect(sent).toEqual([0, 10_000, 10_100, 40_200]);
    expect(maxInFlight()).toBe(1);
  });

  it('when a report is asked for while the master is failing, then the backoff wait is kept', async () => {
    const { loop, clock, sent } = setup({ down: (n) => n === 1 });
    clock.at(200, () => loop.reportNow());
    await loop.run(never, 3);
    expect(sent).toEqual([0, 500, 30_500]);
  });

  it('when the signal aborts during a heartbeat, then the loop ends without waiting again', async () => {
    const abort = new AbortController();
    const clock = new SimClock();
    const loop = new HeartbeatLoop({
      cycle: async () => abort.abort(),
      clock,
      timing: t,
      logger: createLogger('acme', { write: () => {} }),
    });
    await loop.run(abort.signal);
    expect(clock.waits).toEqual([]);
  });

  it('when the signal aborts during the wait, then the loop ends', async () => {
    const abort = new AbortController();
    const { loop, clock, sent } = setup();
    clock.at(45_000, () => abort.abort());
    await loop.run(abort.signal);
    expect(sent).toEqual([0, 30_000]);
    expect(clock.now()).toBe(45_000);
  });
});
