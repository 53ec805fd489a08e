import type { Server } from 'node:http';
import { join } from 'node:path';
import { Agent } from './agent.ts';
import { backupScheduleLoop } from './backup-schedule.ts';
import type { Clock } from './clock.ts';
import type { AgentConfig } from './config.ts';
import { pgPing } from './health/pg-ping.ts';
import type { PostgresPing } from './health/probes.ts';
import { hostSystemProbe, type SystemProbe } from './health/system.ts';
import { wgHandshakeAge, type HandshakeAge } from './health/wg.ts';
import type { BackoffPolicy } from './backoff.ts';
import { HEARTBEAT_INTERVAL_S } from './config.ts';
import { DEFAULT_TIMING, HeartbeatLoop, type LoopTiming } from './heartbeat-loop.ts';
import type { HttpClient } from './http-client.ts';
import { startListener } from './listener.ts';
import type { Logger } from './logger.ts';
import { httpMasterClient } from './master-client.ts';
import { WG_HANDSHAKES_FILE } from './layout.ts';
import { Redactor } from './redactor.ts';
import { RevisionStore } from './revision-store.ts';
import type { Exec } from './runtime/exec.ts';
import type { Runtime } from './runtime/runtime.ts';

/** Everything the agent needs from outside; tests pass fakes or loopback-bound real parts. */
export interface RunDeps {
  readonly config: AgentConfig;
  readonly clock: Clock;
  readonly http: HttpClient;
  readonly runtime: Runtime;
  readonly exec: Exec;
  readonly logger: Logger;
  readonly pg?: PostgresPing;
  readonly system?: SystemProbe;
  readonly handshakeAge?: HandshakeAge;
  /** Overrides of the heartbeat timing; the interval comes from the config unless given here. */
  readonly timing?: Partial<LoopTiming>;
  /** Waits between failed bundle fetches (default 1 s doubling to 60 s, full jitter). */
  readonly fetchBackoff?: BackoffPolicy;
  /** Random source for jitter and backoff, in [0, 1). */
  readonly random?: () => number;
  readonly probeTimeoutMs?: number;
  /** Stop the heartbeat loop after this many cycles (benchmarks). */
  readonly maxCycles?: number;
  /** Run backups on the bundle's schedule (default true; the benchmark turns it off). */
  readonly scheduleBackups?: boolean;
  /** Retry delay for delivering a backup result (doubles per attempt). */
  readonly resultRetryMs?: number;
}

/** A started agent. */
export interface AgentHandle {
  readonly agent: Agent;
  /** The command listener's port (useful when the config asked for port 0). */
  readonly port: number;
  /** Resolves when the heartbeat loop ends. */
  readonly loop: Promise<void>;
  /** Stops the loop and the listener, then releases the runtime. */
  stop(): Promise<void>;
}

/** Starts the agent: the revision on disk, the command listener, the heartbeat loop. */
export async function start(deps: RunDeps): Promise<AgentHandle> {
  const { config, logger } = deps;
  const redactor = new Redactor();
  redactor.add(config.token.reveal(), config.commandKey.reveal(), config.sealPrivateKey.reveal());
  const master = httpMasterClient({
    baseUrl: config.masterUrl,
    token: config.token,
    http: deps.http,
    redactor,
  });
  const agent = new Agent({
    config,
    clock: deps.clock,
    master,
    http: deps.http,
    runtime: deps.runtime,
    store: new RevisionStore(config.stateDir),
    exec: deps.exec,
    pg: deps.pg ?? pgPing,
    system: deps.system ?? hostSystemProbe,
    handshakeAge:
      deps.handshakeAge ??
      wgHandshakeAge(
        deps.exec,
        config.wgInterface,
        () => deps.clock.now(),
        join(config.stateDir, WG_HANDSHAKES_FILE),
      ),
    logger,
    redactor,
    reportNow: () => beats.reportNow(),
    ...(deps.probeTimeoutMs !== undefined ? { probeTimeoutMs: deps.probeTimeoutMs } : {}),
    ...(deps.fetchBackoff ? { fetchBackoff: deps.fetchBackoff } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });
  const beats = new HeartbeatLoop({
    cycle: () => agent.cycle(),
    clock: deps.clock,
    timing: {
      ...DEFAULT_TIMING,
      intervalMs: (config.heartbeatIntervalS ?? HEARTBEAT_INTERVAL_S.default) * 1000,
      ...deps.timing,
    },
    logger,
    ...(deps.random ? { random: deps.random } : {}),
  });
  await agent.start();
  const { server, port } = await startListener({
    agent,
    config,
    master,
    clock: deps.clock,
    logger,
    redactor,
    ...(deps.resultRetryMs !== undefined ? { resultRetryMs: deps.resultRetryMs } : {}),
  });
  logger.info(
    {
      listen: `${config.listen.host}:${port}`,
      master: config.masterUrl,
      heartbeat_interval_s: config.heartbeatIntervalS ?? HEARTBEAT_INTERVAL_S.default,
    },
    'agent started',
  );
  const abort = new AbortController();
  const loop = beats.run(abort.signal, deps.maxCycles);
  const schedule =
    deps.scheduleBackups === false
      ? Promise.resolve()
      : backupScheduleLoop({ agent, clock: deps.clock, logger, signal: abort.signal });
  return {
    agent,
    port,
    loop,
    stop: async () => {
      abort.abort();
      await loop;
      await schedule;
      agent.close();
      await agent.settled();
      await closeServer(server);
      await deps.runtime.close();
      logger.info('agent stopped');
    },
  };
}

/** Runs the agent until `signal` aborts. */
export async function run(deps: RunDeps, signal: AbortSignal): Promise<void> {
  const handle = await start(deps);
  await new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
    void handle.loop.then(resolve);
  });
  await handle.stop();
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
