import { describe, expect, it } from 'vitest';
import type { Clock } from './clock.ts';
import { DEFAULT_TIMING, heartbeatLoop, nextDelay } from './heartbeat-loop.ts';
import { createLogger } from './logger.ts';

const t = DEFAULT_TIMING;

describe('heartbeat timing', () => {
  it.each([
    [0, 27_000],
    [0.5, 30_000],
    [0.999999, 33_000],
  ])('when the master answered and random is %s, then the wait is %s ms (30 s ± 10 %)', (r, want) => {
    expect(nextDelay(0, t, r)).toBe(want);
  });

  it('when failures pile up, then the wait doubles and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((f) => nextDelay(f, t, 0.999999))).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
    expect(nextDelay(3, t, 0)).toBe(4_000);
  });
});

describe('heartbeat loop', () => {
  function fakeClock(): Clock & { waits: number[] } {
    const waits: number[] = [];
    let now = 0;
    return {
      waits,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    };
  }

  it('when the master is down for three cycles, then the loop backs off and returns to the interval, queuing nothing', async () => {
    const clock = fakeClock();
    const outcomes = [true, false, false, false, true, true];
    const sent: number[] = [];
    await heartbeatLoop({
      cycle: async () => {
        const ok = outcomes[sent.length];
        sent.push(clock.now());
        if (!ok) throw new Error('connect ECONNREFUSED');
      },
      clock,
      timing: t,
      logger: createLogger('acme', { write: () => {} }),
      signal: new AbortController().signal,
      random: () => 0.5,
      maxCycles: outcomes.length,
    });
    expect(sent).toHaveLength(6);
    expect(clock.waits).toEqual([30_000, 1_500, 3_000, 6_000, 30_000]);
  });

  it('when a cycle wakes the loop, then the next cycle starts without waiting', async () => {
    const clock = fakeClock();
    let n = 0;
    await heartbeatLoop({
      cycle: async (wake) => {
        if (++n === 2) wake();
      },
      clock,
      timing: t,
      logger: createLogger('acme', { write: () => {} }),
      signal: new AbortController().signal,
      random: () => 0.5,
      maxCycles: 4,
    });
    expect(n).toBe(4);
    expect(clock.waits).toEqual([30_000, 30_000]);
  });

  it('when the signal aborts during a cycle, then the loop ends without waiting again', async () => {
    const abort = new AbortController();
    const clock = fakeClock();
    await heartbeatLoop({
      cycle: async () => abort.abort(),
      clock,
      timing: t,
      logger: createLogger('acme', { write: () => {} }),
      signal: abort.signal,
    });
    expect(clock.waits).toEqual([]);
  });

  it('when the signal aborts, then the loop ends', async () => {
    const abort = new AbortController();
    let cycles = 0;
    await heartbeatLoop({
      cycle: async () => {
        if (++cycles === 3) abort.abort();
      },
      clock: fakeClock(),
      timing: t,
      logger: createLogger('acme', { write: () => {} }),
      signal: abort.signal,
    });
    expect(cycles).toBe(3);
  });
});
