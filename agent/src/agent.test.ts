import { describe, expect, it } from 'vitest';
import { Secret } from '../../core/seal/secret.ts';
import { Agent, FETCH_TRIES } from './agent.ts';
import type { Clock } from './clock.ts';
import type { AgentConfig } from './config.ts';
import { createLogger } from './logger.ts';
import type { MasterClient } from './master-client.ts';
import { Redactor } from './redactor.ts';
import { RevisionStore } from './revision-store.ts';

const TOKEN = 'sfa_unit-test-token-0123456789';

/**
 * An agent whose master wants `desired` and whose bundle endpoint fails while
 * `fetchFails()` says so (then answers something that is no bundle, so the
 * apply fails without touching the disk). Waits pass at once in virtual time.
 */
function setup(fetchFails: (attempt: number) => boolean, onWait?: (agent: Agent) => void) {
  const waits: number[] = [];
  const logs: string[] = [];
  let now = 0;
  let fetches = 0;
  let reports = 0;
  const state = { desired: 2 };
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
      onWait?.(agent);
    },
  };
  const master: MasterClient = {
    heartbeat: async () => state.desired,
    fetchBundle: async () => {
      fetches++;
      if (fetchFails(fetches)) {
        throw new Error(`the master answered 503 to GET /v1/agent/bundle: upstream said ${TOKEN}`);
      }
      return { project: 'acme', revision: state.desired };
    },
    postResult: async () => {},
  };
  const redactor = new Redactor();
  redactor.add(TOKEN);
  const config: AgentConfig = {
    project: 'acme',
    masterUrl: 'http://10.100.0.1:8081',
    token: new Secret(TOKEN),
    listen: { host: '10.100.0.2', port: 8082 },
    sealPrivateKey: new Secret('A'.repeat(43) + '='),
    stateDir: '/nonexistent/supafleet-agent-unit',
    wgInterface: 'wg0',
    commandKey: new Secret('k'.repeat(43)),
  };
  const agent = new Agent({
    config,
    clock,
    master,
    http: async () => ({ status: 200, body: '' }),
    runtime: { up: async () => {}, ps: async () => [], restart: async () => {}, close: async () => {} },
    store: new RevisionStore(config.stateDir),
    exec: async () => ({ code: 0, stdout: '', stderr: '' }),
    pg: async () => {},
    system: async () => ({
      disk_used_pct: null,
      disk_free_bytes: null,
      mem_used_pct: null,
      load1: null,
      uptime_s: null,
    }),
    handshakeAge: async () => null,
    logger: createLogger('acme', { write: (s) => void logs.push(s) }, 'debug'),
    redactor,
    reportNow: () => void reports++,
    random: () => 0.999999,
  });
  return {
    agent,
    state,
    waits,
    logs,
    fetches: () => fetches,
    reports: () => reports,
    messages: () => logs.map((l) => (JSON.parse(l) as { msg: string }).msg),
  };
}

describe('agent: bundle fetch retries', () => {
  it('when the bundle endpoint keeps failing, then the retry waits double from 1 s and stop at 60 s', async () => {
    const w = setup((n) => n <= 9);
    await w.agent.cycle();
    await w.agent.settled();
    expect(w.fetches()).toBe(10);
    // full jitter with random just below 1: each wait is just below its ceiling.
    expect(w.waits).toEqual([999, 1_999, 3_999, 7_999, 15_999, 31_999, 59_999, 59_999, 59_999]);
  });

  it('when a fetch works after failures, then the backoff resets and the next failure waits at most 1 s again', async () => {
    const w = setup((n) => n <= 4 || n === 6);
    await w.agent.cycle();
    await w.agent.settled();
    expect(w.agent.fetchFailures).toBe(0);
    w.state.desired = 3;
    await w.agent.cycle();
    await w.agent.settled();
    expect(w.waits).toEqual([999, 1_999, 3_999, 7_999, 999]);
  });

  it('when fetches fail many times, then the failure and the recovery are logged once each, with no secret', async () => {
    const w = setup((n) => n <= 12);
    await w.agent.cycle();
    await w.agent.settled();
    const msgs = w.messages();
    expect(msgs.filter((m) => m === 'could not fetch the bundle; backing off')).toHaveLength(1);
    expect(msgs.filter((m) => m === 'bundle fetched again')).toHaveLength(1);
    expect(w.logs.join('\n')).toContain('[redacted]');
    expect(w.logs.join('\n')).not.toContain(TOKEN);
  });

  it('when fetches fail, then no heartbeat is asked for; the apply outcome asks for exactly one', async () => {
    const w = setup((n) => n <= 5);
    await w.agent.cycle();
    await w.agent.settled();
    expect(w.agent.applyState).toMatchObject({ state: 'failed', revision: 2 });
    expect(w.reports()).toBe(1);
  });

  it('when the bundle endpoint never answers, then one converge gives up after FETCH_TRIES and the next heartbeat starts another at the capped wait', async () => {
    const w = setup(() => true);
    await w.agent.cycle();
    await w.agent.settled();
    expect(w.fetches()).toBe(FETCH_TRIES);
    await w.agent.cycle();
    await w.agent.settled();
    expect(w.fetches()).toBe(2 * FETCH_TRIES);
    expect(w.waits.slice(FETCH_TRIES)).toEqual(Array(FETCH_TRIES).fill(59_999));
  });

  it('when the agent closes during a retry wait, then no further fetch is tried', async () => {
    const w = setup(
      () => true,
      (agent) => agent.close(),
    );
    await w.agent.cycle();
    await w.agent.settled();
    expect(w.fetches()).toBe(1);
  });

  it('when the agent is closed, then a heartbeat starts no fetch', async () => {
    const w = setup(() => true);
    w.agent.close();
    await w.agent.cycle();
    await w.agent.settled();
    expect(w.fetches()).toBe(0);
  });
});
