import type { Clock } from './clock.ts';
import { nextCronTime, parseCron } from '../../core/cron.ts';
import type { Logger } from './logger.ts';

/**
 * The backup schedule from the bundle's `backup/crontab` (a cron.d file): the
 * five time fields of its first job line. The agent runs the schedule itself,
 * so no root-owned cron file has to be installed on the host.
 */
export function scheduleFromCrontab(text: string): string | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || /^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(line)) continue;
    const fields = line.split(/\s+/);
    return fields.length >= 6 ? fields.slice(0, 5).join(' ') : undefined;
  }
  return undefined;
}

/** The next time (ms, UTC) the expression fires strictly after `afterMs`; throws on a bad expression. */
export function nextRun(expression: string, afterMs: number): number {
  return nextCronTime(parseCron(expression), afterMs);
}

/** What the scheduler needs from the agent. */
export interface ScheduledBackups {
  /** The running revision's schedule, if any. */
  backupSchedule(): string | undefined;
  /** Starts a backup; undefined when one is already running. */
  startBackup(): Promise<unknown> | undefined;
}

/** Longest single wait, so a schedule changed by a new revision takes effect within a minute. */
const MAX_WAIT_MS = 60_000;

/**
 * Runs backups on the running revision's schedule until `signal` aborts.
 * A run that finds a backup already going is skipped; the heartbeat reports
 * each run's status file.
 */
export async function backupScheduleLoop(opts: {
  readonly agent: ScheduledBackups;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly maxWakes?: number;
}): Promise<void> {
  const { agent, clock, logger, signal } = opts;
  let expression: string | undefined;
  let due: number | undefined;
  const plan = (from: number): void => {
    try {
      due = expression ? nextRun(expression, from) : undefined;
    } catch {
      logger.warn({ schedule: expression }, 'backup schedule is not a cron expression; no scheduled backups');
      due = undefined;
    }
  };
  const max = opts.maxWakes ?? Number.MAX_SAFE_INTEGER;
  for (let i = 0; i < max && !signal.aborted; i++) {
    const current = agent.backupSchedule();
    if (current !== expression) {
      expression = current;
      plan(clock.now());
      if (due !== undefined)
        logger.info({ schedule: expression, next: new Date(due).toISOString() }, 'backup scheduled');
    }
    if (due !== undefined && clock.now() >= due) {
      const run = agent.startBackup();
      if (run) await run;
      else logger.warn('scheduled backup skipped: one is already running');
      plan(clock.now());
    }
    const wait = due === undefined ? MAX_WAIT_MS : Math.min(MAX_WAIT_MS, Math.max(0, due - clock.now()));
    await clock.sleep(wait, signal);
  }
}
