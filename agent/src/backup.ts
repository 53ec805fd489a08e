import { access, constants, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BACKUP_SCRIPT } from './layout.ts';
import type { Redactor } from './redactor.ts';
import type { Exec } from './runtime/exec.ts';

/** The backup script's status file (the heartbeat's `backup`). */
export interface BackupStatus {
  readonly success?: boolean;
  readonly finished_at?: string;
  readonly duration_s?: number;
  readonly snapshot_id?: string | null;
  readonly size_bytes?: number | null;
  readonly error?: string | null;
}

/** A finished backup command. */
export interface BackupOutcome {
  readonly state: 'succeeded' | 'failed';
  readonly duration_s: number;
  readonly snapshot_id?: string;
  readonly size_bytes?: number;
  readonly error?: string;
}

/**
 * Reads the status file, keeping only the known fields with the right types
 * (the file comes from a shell script); null when absent or unreadable.
 */
export async function readBackupStatus(path: string, redactor: Redactor): Promise<BackupStatus | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (typeof r['success'] === 'boolean') out['success'] = r['success'];
  if (typeof r['finished_at'] === 'string') out['finished_at'] = r['finished_at'].slice(0, 64);
  if (typeof r['duration_s'] === 'number' && Number.isFinite(r['duration_s']))
    out['duration_s'] = r['duration_s'];
  if (typeof r['snapshot_id'] === 'string' || r['snapshot_id'] === null) {
    out['snapshot_id'] = typeof r['snapshot_id'] === 'string' ? r['snapshot_id'].slice(0, 128) : null;
  }
  if ((typeof r['size_bytes'] === 'number' && r['size_bytes'] >= 0) || r['size_bytes'] === null) {
    out['size_bytes'] = r['size_bytes'];
  }
  if (typeof r['error'] === 'string') out['error'] = redactor.scrub(r['error']).slice(0, 2000);
  else if (r['error'] === null) out['error'] = null;
  return out as BackupStatus;
}

export interface BackupRunnerOptions {
  readonly exec: Exec;
  /** The revision directory the script runs in (`<state_dir>/current`). */
  readonly dir: string;
  /** Absolute path of the status file, handed to the script as BACKUP_STATUS_FILE. */
  readonly statusFile: string;
  readonly project: string;
  readonly redactor: Redactor;
  readonly now: () => number;
  readonly timeoutMs?: number;
}

/**
 * Runs the bundle's backup script, one at a time. Success needs exit code 0
 * and a status file written by this run saying success; anything else fails
 * with the script's own error or its exit code.
 */
export class BackupRunner {
  readonly #o: BackupRunnerOptions;
  #running = false;

  constructor(options: BackupRunnerOptions) {
    this.#o = options;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Claims the single slot; false when a backup is already running. */
  tryClaim(): boolean {
    if (this.#running) return false;
    this.#running = true;
    return true;
  }

  /** Runs the script; call after tryClaim() returned true. Never rejects. */
  async run(): Promise<BackupOutcome> {
    const started = this.#o.now();
    const took = (): number => Math.round((this.#o.now() - started) / 100) / 10;
    try {
      const script = join(this.#o.dir, BACKUP_SCRIPT);
      try {
        await access(script, constants.X_OK);
      } catch {
        return {
          state: 'failed',
          duration_s: took(),
          error: `the bundle has no executable backup script ${BACKUP_SCRIPT}`,
        };
      }
      const r = await this.#o.exec(script, [], {
        cwd: this.#o.dir,
        env: {
          PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
          BACKUP_STATUS_FILE: this.#o.statusFile,
          SUPAFLEET_PROJECT: this.#o.project,
        },
        timeoutMs: this.#o.timeoutMs ?? 6 * 3600_000,
      });
      const fresh = await stat(this.#o.statusFile).then(
        (s) => s.mtimeMs >= started - 1000,
        () => false,
      );
      const status = fresh ? await readBackupStatus(this.#o.statusFile, this.#o.redactor) : null;
      if (r.code === 0 && status?.success === true) {
        return {
          state: 'succeeded',
          duration_s: took(),
          ...(status.snapshot_id ? { snapshot_id: status.snapshot_id } : {}),
          ...(typeof status.size_bytes === 'number' ? { size_bytes: status.size_bytes } : {}),
        };
      }
      const why =
        status?.error ??
        (r.code !== 0
          ? `backup script exited with code ${r.code}`
          : 'backup script wrote no fresh successful status');
      return { state: 'failed', duration_s: took(), error: this.#o.redactor.scrub(why).slice(0, 2000) };
    } finally {
      this.#running = false;
    }
  }
}
