import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Backoff, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import { readBackupStatus, BackupRunner, type BackupOutcome, type BackupStatus } from './backup.ts';
import { openBundle } from './bundle.ts';
import type { Clock } from './clock.ts';
import type { AgentConfig } from './config.ts';
import { parseProbes, probesFromCompose, runProbes, type PostgresPing, type Probe } from './health/probes.ts';
import { serviceHealth, type ServiceHealth } from './health/service-health.ts';
import type { SystemFigures, SystemProbe } from './health/system.ts';
import type { HandshakeAge } from './health/wg.ts';
import type { HttpClient } from './http-client.ts';
import { scheduleFromCrontab } from './backup-schedule.ts';
import {
  BACKUP_CRONTAB,
  BACKUP_STATUS_FILE,
  COMPOSE_FILE,
  ENV_FILE,
  PROBES_FILE,
  SECRET_FILES,
} from './layout.ts';
import type { Logger } from './logger.ts';
import type { MasterClient } from './master-client.ts';
import { servicesWithChangedMounts } from './mounts.ts';
import { OutageLog } from './outage-log.ts';
import { envValues, secretValues, type Redactor } from './redactor.ts';
import type { RevisionStore } from './revision-store.ts';
import type { Exec } from './runtime/exec.ts';
import type { Runtime } from './runtime/runtime.ts';
import { AGENT_VERSION } from './version.ts';

/** The heartbeat's `apply` (schemas/api/heartbeat.schema.json). */
export interface ApplyState {
  readonly state: 'none' | 'applying' | 'applied' | 'failed';
  readonly revision: number;
  readonly running_revision?: number;
  readonly error?: string;
}

/** The heartbeat body. */
export interface Heartbeat {
  readonly project: string;
  readonly sent_at: string;
  readonly agent_version: string;
  readonly apply: ApplyState;
  readonly services: ServiceHealth[];
  readonly system: SystemFigures;
  readonly backup: BackupStatus | null;
  readonly wg: { readonly handshake_age_s: number | null };
}

/** How long a revision whose apply failed waits before the agent tries it again (a pull may have failed for a passing reason). */
export const RETRY_FAILED_MS = 10 * 60_000;

/** Bundle fetches one background converge tries before it hands back to the next heartbeat (which starts another). */
export const FETCH_TRIES = 30;

/** What the agent works with; every piece of I/O is one of these. */
export interface AgentDeps {
  readonly config: AgentConfig;
  readonly clock: Clock;
  readonly master: MasterClient;
  readonly http: HttpClient;
  readonly runtime: Runtime;
  readonly store: RevisionStore;
  readonly exec: Exec;
  readonly pg: PostgresPing;
  readonly system: SystemProbe;
  readonly handshakeAge: HandshakeAge;
  readonly logger: Logger;
  readonly redactor: Redactor;
  readonly probeTimeoutMs?: number;
  /**
   * Asks for a heartbeat now; called when an apply or a backup finished, so
   * the master learns the outcome without waiting for the interval.
   */
  readonly reportNow?: () => void;
  /** Waits between failed bundle fetches (default 1 s doubling to 60 s, full jitter). */
  readonly fetchBackoff?: BackoffPolicy;
  /** Random source for the backoff, in [0, 1) (tests make it fixed). */
  readonly random?: () => number;
}

/**
 * The worker agent's state and operations: converge to a bundle revision
 * (with rollback), collect health, heartbeat, back up, restart. Converges and
 * restarts are serialised; the command listener and the heartbeat loop call in.
 */
export class Agent {
  readonly #d: AgentDeps;
  readonly #backup: BackupRunner;
  #apply: ApplyState = { state: 'none', revision: 0 };
  #running: number | undefined;
  /** A revision whose apply failed: not retried on every heartbeat, only on refetch or a new revision. */
  #failed: number | undefined;
  #failedAt = 0;
  /** The revision the master asked for in its last heartbeat answer. */
  #desired: number | undefined;
  /** The background converge started by a heartbeat, while it runs (fetch retries included). */
  #fetching: Promise<void> | undefined;
  readonly #fetchBackoff: Backoff;
  readonly #fetchOutage: OutageLog;
  readonly #closed = new AbortController();
  #env: ReadonlyMap<string, string> = new Map();
  #probes: Probe[] = [];
  #schedule: string | undefined;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(deps: AgentDeps) {
    this.#d = deps;
    this.#backup = new BackupRunner({
      exec: deps.exec,
      dir: deps.store.currentPath,
      statusFile: this.statusFile,
      project: deps.config.project,
      redactor: deps.redactor,
      now: () => deps.clock.now(),
    });
    this.#fetchBackoff = new Backoff(deps.fetchBackoff ?? DEFAULT_BACKOFF, deps.random);
    this.#fetchOutage = new OutageLog(deps.logger, {
      failing: 'could not fetch the bundle; backing off',
      recovered: 'bundle fetched again',
    });
  }

  get statusFile(): string {
    return join(this.#d.config.stateDir, BACKUP_STATUS_FILE);
  }

  get applyState(): ApplyState {
    return this.#apply;
  }

  get runningRevision(): number | undefined {
    return this.#running;
  }

  /** Picks up the revision already on disk (after a restart of the agent) and makes sure it runs. */
  async start(): Promise<void> {
    await this.#d.store.init();
    const current = await this.#d.store.current();
    if (current === undefined) return;
    await this.#serial(async () => {
      await this.#loadRevisionData();
      try {
        await this.#d.runtime.up(this.#d.store.currentPath);
        this.#running = current;
        this.#apply = { state: 'applied', revision: current, running_revision: current };
        this.#d.logger.info({ revision: current }, 'running the revision found on disk');
      } catch (err) {
        this.#running = current;
        this.#apply = {
          state: 'failed',
          revision: current,
          running_revision: current,
          error: this.#why(err),
        };
        this.#d.logger.error(
          { revision: current, error: this.#apply.error },
          'the revision on disk failed to start',
        );
      }
    });
  }

  /**
   * Fetches the bundle and applies it when its revision differs from the
   * running one (or always, with `force`). A failed start rolls back to the
   * previous revision. Resolves with the resulting apply state; rejects only
   * when the master could not be reached.
   */
  converge(options: { readonly force?: boolean } = {}): Promise<ApplyState> {
    return this.#serial(() => this.#converge(options.force === true));
  }

  async #converge(force: boolean): Promise<ApplyState> {
    const { logger, store, runtime, config } = this.#d;
    const response = await this.#d.master.fetchBundle();
    this.#fetchOutage.succeeded(this.#fetchBackoff.succeed());
    const announced = (response as { revision?: unknown } | null)?.revision;
    const revision = typeof announced === 'number' && Number.isInteger(announced) ? announced : 0;
    if (!force && revision === this.#running) return this.#apply;
    const previous = this.#running;
    const fail = (err: unknown): ApplyState => {
      this.#failed = revision;
      this.#failedAt = this.#d.clock.now();
      this.#apply = { state: 'failed', revision, running_revision: previous ?? 0, error: this.#why(err) };
      logger.error({ revision, running_revision: previous ?? 0, error: this.#apply.error }, 'apply failed');
      this.#d.reportNow?.();
      return this.#apply;
    };
    let bundle;
    try {
      bundle = await openBundle(response, config.project, config.sealPrivateKey);
    } catch (err) {
      return fail(err);
    }
    for (const path of SECRET_FILES) {
      const content = bundle.files.get(path);
      if (content !== undefined) this.#d.redactor.add(...secretValues(path, content));
    }
    this.#apply = { state: 'applying', revision, running_revision: previous ?? 0 };
    logger.info({ revision, files: bundle.files.size }, 'applying bundle');
    try {
      await store.write(bundle);
      await store.switchTo(revision);
    } catch (err) {
      return fail(err);
    }
    try {
      await runtime.up(store.currentPath);
    } catch (err) {
      await this.#rollback(previous);
      return fail(err);
    }
    if (previous !== undefined) await this.#restartChangedMounts(previous, bundle.files);
    this.#running = revision;
    this.#failed = undefined;
    this.#apply = { state: 'applied', revision, running_revision: revision };
    await this.#loadRevisionData();
    await store.prune([revision, previous]).catch((err: unknown) => {
      logger.warn({ error: this.#why(err) }, 'could not prune old revisions');
    });
    logger.info({ revision }, 'bundle applied');
    this.#d.reportNow?.();
    return this.#apply;
  }

  /** Restarts services whose bind-mounted bundle files changed (Compose does not notice those). */
  async #restartChangedMounts(previous: number, files: ReadonlyMap<string, string>): Promise<void> {
    const { logger, runtime, store } = this.#d;
    try {
      const compose = files.get(COMPOSE_FILE);
      if (compose === undefined) return;
      const { parse } = await import('yaml');
      const before = await store.read(previous).catch(() => new Map<string, string>());
      for (const service of servicesWithChangedMounts(
        parse(compose, { maxAliasCount: 100 }),
        before,
        files,
      )) {
        await runtime.restart(service);
        logger.info({ service }, 'restarted: a file it mounts changed');
      }
    } catch (err) {
      logger.warn({ error: this.#why(err) }, 'could not restart services whose mounted files changed');
    }
  }

  async #rollback(previous: number | undefined): Promise<void> {
    const { logger, store, runtime } = this.#d;
    if (previous === undefined) {
      await rm(store.currentPath, { force: true });
      return;
    }
    try {
      await store.switchTo(previous);
      await runtime.up(store.currentPath);
      logger.warn({ revision: previous }, 'rolled back to the previous revision');
    } catch (err) {
      logger.error({ revision: previous, error: this.#why(err) }, 'rollback failed');
    }
  }

  /**
   * One heartbeat: report; when the master wants another revision, start
   * converging in the background, so heartbeats (saying `applying`) keep
   * going during a long apply; its outcome is reported at once through
   * `reportNow`. A revision that failed is retried only after
   * RETRY_FAILED_MS (or on a new revision or a refetch). Rejects when the
   * master could not be reached.
   */
  async cycle(): Promise<void> {
    this.#desired = await this.#d.master.heartbeat(await this.collect());
    const desired = this.#desired;
    if (desired === this.#running || this.#fetching !== undefined || this.#closed.signal.aborted) return;
    if (desired === this.#failed && this.#d.clock.now() - this.#failedAt < RETRY_FAILED_MS) return;
    this.#fetching = this.#convergeWithRetries().finally(() => {
      this.#fetching = undefined;
    });
  }

  /**
   * Converges, retrying a bundle fetch that fails with exponential backoff
   * (full jitter) until it works, the master no longer wants another
   * revision, the agent closes, or FETCH_TRIES are spent. The failure is
   * logged when fetching starts to fail and when it works again, not per try.
   */
  async #convergeWithRetries(): Promise<void> {
    for (let i = 0; i < FETCH_TRIES && !this.#closed.signal.aborted; i++) {
      try {
        await this.converge();
        return;
      } catch (err) {
        const wait = this.#fetchBackoff.fail();
        this.#fetchOutage.failed(this.#why(err), wait);
        await this.#d.clock.sleep(wait, this.#closed.signal);
      }
      if (this.#desired === this.#running) return;
    }
  }

  /** Failed bundle fetches in a row (0 after a fetch that worked). */
  get fetchFailures(): number {
    return this.#fetchBackoff.failures;
  }

  /** Stops retrying bundle fetches; a converge in progress runs to its end (see `settled`). */
  close(): void {
    this.#closed.abort();
  }

  /** Resolves when no converge, fetch retry or restart is in progress. */
  async settled(): Promise<void> {
    await this.#fetching;
    await this.#lock;
  }

  /** The current state, for a heartbeat. */
  async collect(): Promise<Heartbeat> {
    const d = this.#d;
    const [ps, probes, system, backup, handshake] = await Promise.all([
      d.runtime.ps().catch((err: unknown) => {
        d.logger.warn({ error: this.#why(err) }, 'runtime ps failed');
        return [];
      }),
      runProbes(this.#probes, {
        http: d.http,
        pg: d.pg,
        env: this.#env,
        redactor: d.redactor,
        now: () => performance.now(),
        timeoutMs: d.probeTimeoutMs ?? 2_000,
      }),
      d.system(d.config.stateDir),
      readBackupStatus(this.statusFile, d.redactor),
      d.handshakeAge().catch(() => null),
    ]);
    return {
      project: d.config.project,
      sent_at: new Date(d.clock.now()).toISOString(),
      agent_version: AGENT_VERSION,
      apply: this.#apply,
      services: serviceHealth(ps, probes),
      system,
      backup,
      wg: { handshake_age_s: handshake },
    };
  }

  /** Starts a backup unless one runs; the outcome promise resolves when it ends. */
  startBackup(): Promise<BackupOutcome> | undefined {
    if (!this.#backup.tryClaim()) return undefined;
    this.#d.logger.info('backup started');
    return this.#backup.run().then((o) => {
      this.#d.logger[o.state === 'succeeded' ? 'info' : 'error'](
        { state: o.state, duration_s: o.duration_s, snapshot_id: o.snapshot_id, error: o.error },
        'backup finished',
      );
      this.#d.reportNow?.();
      return o;
    });
  }

  /** The running revision's backup schedule (cron expression), from `backup/crontab`. */
  backupSchedule(): string | undefined {
    return this.#schedule;
  }

  /** Restarts one service or all. */
  restart(service?: string): Promise<void> {
    return this.#serial(async () => {
      if (this.#running === undefined) throw new Error('nothing is running yet; no bundle has been applied');
      await this.#d.runtime.restart(service);
      this.#d.logger.info({ service: service ?? 'all' }, 'restarted');
    });
  }

  /** A failure's message with every known secret value scrubbed out. */
  #why(err: unknown): string {
    const msg = err instanceof Error ? err.message : String(err);
    return this.#d.redactor.scrub(msg).slice(0, 2000);
  }

  /** The running revision's .env (for probes and redaction) and probes. */
  async #loadRevisionData(): Promise<void> {
    const dir = this.#d.store.currentPath;
    const crontab = await readFile(join(dir, BACKUP_CRONTAB), 'utf8').catch(() => '');
    this.#schedule = scheduleFromCrontab(crontab);
    const env = await readFile(join(dir, ENV_FILE), 'utf8').catch(() => '');
    this.#env = envValues(env);
    for (const path of SECRET_FILES) {
      const content = await readFile(join(dir, path), 'utf8').catch(() => undefined);
      if (content !== undefined) this.#d.redactor.add(...secretValues(path, content));
    }
    try {
      const probes = await readFile(join(dir, PROBES_FILE), 'utf8').catch(() => undefined);
      if (probes !== undefined) this.#probes = parseProbes(probes);
      else {
        const compose = await readFile(join(dir, COMPOSE_FILE), 'utf8').catch(() => '');
        this.#probes = await probesFromCompose(compose);
      }
    } catch (err) {
      this.#probes = [];
      this.#d.logger.warn({ error: this.#why(err) }, 'probes unreadable; reporting container state only');
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#lock.then(fn, fn);
    this.#lock = next.catch(() => undefined);
    return next;
  }
}
