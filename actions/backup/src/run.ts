/**
 * The backup action: triggers a backup of one project or of every active one through
 * the master (two at a time), waits for each result and reports them in the job summary.
 */
import * as core from '@actions/core';
import { runBackup, type BackupOutcome } from '../../../core/apply/backup.ts';
import { runBounded } from '../../../core/apply/parallel.ts';
import { realClock, type Clock, type Logger } from '../../../core/apply/ports.ts';
import { coreLogger, masterClient, writeSummary } from '../../../core/apply/runner/core-io.ts';
import { readInputs } from './inputs.ts';

export interface BackupDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly pollMs?: number;
}

function size(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

export async function run(overrides: Partial<BackupDeps> = {}): Promise<BackupOutcome[] | undefined> {
  const deps: BackupDeps = { clock: realClock, log: coreLogger, ...overrides };
  try {
    const s = readInputs();
    const master = masterClient(s.master, deps.clock, deps.log);
    const names = s.project
      ? [s.project]
      : (await master.listProjects())
          .filter((p) => p.status === 'active' && p.enrolled)
          .map((p) => p.name)
          .sort();
    const settled = await runBounded(names, 2, (name) =>
      runBackup({ master, clock: deps.clock, log: deps.log }, name, {
        timeoutMs: s.waitMs,
        ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
      }),
    );
    const outcomes: BackupOutcome[] = settled.map((r, i) =>
      r.ok ? r.value : { project: names[i]!, id: '', state: 'failed', error: r.error.message },
    );
    const lines = ['### supafleet backup', ''];
    if (outcomes.length === 0) lines.push('No enrolled project to back up.');
    else lines.push('| Project | Result | Snapshot | Size | Duration |', '|---|---|---|---|---|');
    for (const o of outcomes) {
      const result =
        o.state === 'succeeded' ? 'succeeded' : `**failed**: ${(o.error ?? '').replaceAll('|', '\\|')}`;
      const duration = o.duration_s !== undefined ? `${o.duration_s} s` : '';
      lines.push(
        `| \`${o.project}\` | ${result} | ${o.snapshot_id ?? ''} | ${size(o.size_bytes)} | ${duration} |`,
      );
    }
    await writeSummary(`${lines.join('\n')}\n`);
    const failed = outcomes.filter((o) => o.state !== 'succeeded').map((o) => o.project);
    if (failed.length > 0) core.setFailed(`backup failed for ${failed.join(', ')}`);
    return outcomes;
  } catch (err) {
    core.setFailed(`supafleet backup failed: ${(err as Error).message}`);
    return undefined;
  }
}
