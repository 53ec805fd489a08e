import { describe, expect, it } from 'vitest';
import { backupScheduleLoop, nextRun, scheduleFromCrontab } from './backup-schedule.ts';
import type { Clock } from './clock.ts';
import { createLogger } from './logger.ts';

const crontab = [
  '# supafleet: backup schedule',
  'SHELL=/bin/bash',
  'PATH=/usr/bin:/bin',
  '0 3 * * * root /opt/supafleet/current/backup/backup.sh >>/var/log/supafleet-backup.log 2>&1',
  '',
].join('\n');

describe('backup schedule', () => {
  it('when the bundle has a cron.d file, then its first job line gives the schedule', () => {
    expect(scheduleFromCrontab(crontab)).toBe('0 3 * * *');
  });

  it('when there is no job line, then there is no schedule', () => {
    expect(scheduleFromCrontab('# nothing\nSHELL=/bin/sh\n')).toBeUndefined();
  });

  it('when asked for the next run, then it is the next match in UTC', () => {
    expect(new Date(nextRun('0 3 * * *', Date.parse('2026-11-24T17:00:00Z'))).toISOString()).toBe(
      '2026-11-25T03:00:00.000Z',
    );
  });

  it('when time passes three 03:00 marks and the second finds a backup running, then that one is skipped', async () => {
    let now = Date.parse('2026-11-24T02:58:00Z');
    const clock: Clock = {
      now: () => now,
      sleep: async (ms) => {
        now += Math.max(ms, 1);
      },
    };
    const runs: string[] = [];
    let calls = 0;
    await backupScheduleLoop({
      agent: {
        backupSchedule: () => '0 3 * * *',
        startBackup: () => {
          if (++calls === 2) return undefined;
          runs.push(new Date(now).toISOString());
          return Promise.resolve();
        },
      },
      clock,
      logger: createLogger('acme', { write: () => {} }),
      signal: new AbortController().signal,
      maxWakes: 3_000,
    });
    expect(calls).toBe(3);
    expect(runs).toEqual(['2026-11-24T03:00:00.000Z', '2026-11-26T03:00:00.000Z']);
  });

  it('when the schedule is not a cron expression, then nothing runs', async () => {
    let started = 0;
    let now = 0;
    await backupScheduleLoop({
      agent: { backupSchedule: () => 'every day', startBackup: () => (started++, Promise.resolve()) },
      clock: { now: () => now, sleep: async (ms) => void (now += ms) },
      logger: createLogger('acme', { write: () => {} }),
      signal: new AbortController().signal,
      maxWakes: 10,
    });
    expect(started).toBe(0);
  });
});
