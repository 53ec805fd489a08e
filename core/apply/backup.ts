/**
 * Runs one backup through the master (a signed command to the agent) and waits for
 * its result, polling the master's backup list. Bounded in time and polls.
 */
import type { BackupView, CommandResult } from '../master-client/types.ts';
import { formatDuration } from './duration.ts';
import type { Clock, Logger, MasterApi } from './ports.ts';

export interface BackupOutcome {
  readonly project: string;
  readonly id: string;
  readonly state: 'succeeded' | 'failed';
  readonly snapshot_id?: string;
  readonly size_bytes?: number;
  readonly duration_s?: number;
  readonly error?: string;
}

function outcome(project: string, b: BackupView | CommandResult): BackupOutcome {
  return {
    project,
    id: b.id,
    state: b.state === 'succeeded' ? 'succeeded' : 'failed',
    ...(b.snapshot_id ? { snapshot_id: b.snapshot_id } : {}),
    ...(typeof b.size_bytes === 'number' ? { size_bytes: b.size_bytes } : {}),
    ...(typeof b.duration_s === 'number' ? { duration_s: b.duration_s } : {}),
    ...(b.error ? { error: b.error } : {}),
  };
}

export async function runBackup(
  deps: { master: MasterApi; clock: Clock; log: Logger },
  name: string,
  opts: { timeoutMs: number; pollMs?: number },
): Promise<BackupOutcome> {
  const started = await deps.master.startBackup(name);
  deps.log.info(`${name}: backup ${started.id} ${started.state}`);
  if (started.state !== 'running') return outcome(name, started);
  const pollMs = Math.max(10, opts.pollMs ?? 5000);
  const start = deps.clock.now();
  const maxPolls = Math.ceil(opts.timeoutMs / pollMs) + 2;
  let lastLog = start;
  for (let poll = 0; poll < maxPolls; poll++) {
    const now = deps.clock.now();
    if (now - start >= opts.timeoutMs) break;
    await deps.clock.sleep(pollMs);
    const found = (await deps.master.listBackups(name)).find((b) => b.id === started.id);
    if (found && found.state !== 'running') {
      deps.log.info(
        `${name}: backup ${found.id} ${found.state} after ${formatDuration(deps.clock.now() - start)}`,
      );
      return outcome(name, found);
    }
    if (deps.clock.now() - lastLog >= 60_000) {
      deps.log.info(
        `${name}: backup ${started.id} still running (${formatDuration(deps.clock.now() - start)})`,
      );
      lastLog = deps.clock.now();
    }
  }
  return {
    project: name,
    id: started.id,
    state: 'failed',
    error: `no result within ${formatDuration(opts.timeoutMs)}`,
  };
}
