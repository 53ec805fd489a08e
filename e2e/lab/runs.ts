/**
 * What a lab or demo run made, written down so that the next run can remove it if this one
 * crashed. Each run has an id; every process it starts carries `SUPAFLEET_LAB_RUN=<id>` in its
 * environment (inherited by their children), its network namespaces carry the id in their names
 * (`sflm<id>`, `sflw<id>-<n>`), and a record file `<runs dir>/<id>.json` names its owner (PID
 * and start time), temp dirs and Postgres data dir. A record whose owner is gone belongs to a
 * crashed run: `sweepLeftovers` stops its processes by PID, stops its Postgres, deletes its
 * namespaces and dirs, and says what it removed. A live run's record is never touched.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, listNamespaces, namespacePids, sh } from './commands.ts';

/** The environment variable every process of a run carries. */
export const RUN_MARKER = 'SUPAFLEET_LAB_RUN';

/** Namespace names of the lab: `sflm<id>` (master) and `sflw<id>-<n>` (workers). */
const LAB_NAMESPACE = /^sfl[mw]([0-9a-f]{4,})(-\d+)?$/;

export interface RunRecord {
  readonly id: string;
  /** `lab` or `demo`. */
  readonly kind: string;
  readonly owner: { readonly pid: number; readonly start: string };
  /** Temp dirs to remove. */
  dirs: string[];
  /** Postgres data dirs to stop (`pg_ctl -m immediate stop`) before their dirs go. */
  postgres: string[];
}

export function runsDir(): string {
  return process.env.SUPAFLEET_LAB_RUNS_DIR ?? join(tmpdir(), 'supafleet-runs');
}

/** A process's start time (field 22 of /proc/<pid>/stat), to tell a reused PID from its owner. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function ownerAlive(r: RunRecord): boolean {
  return isAlive(r.owner.pid) && startTime(r.owner.pid) === r.owner.start;
}

/** The record of this run; `save()` after each thing made, `done()` once everything is removed. */
export class RunRecorder {
  readonly record: RunRecord;
  private readonly file: string;

  constructor(id: string, kind: string) {
    this.record = {
      id,
      kind,
      owner: { pid: process.pid, start: startTime(process.pid) ?? '' },
      dirs: [],
      postgres: [],
    };
    mkdirSync(runsDir(), { recursive: true, mode: 0o700 });
    this.file = join(runsDir(), `${id}.json`);
    this.save();
  }

  /** The environment entry for the run's child processes. */
  get marker(): Record<string, string> {
    return { [RUN_MARKER]: this.record.id };
  }

  add(part: { dir?: string; postgres?: string }): void {
    if (part.dir && !this.record.dirs.includes(part.dir)) this.record.dirs.push(part.dir);
    if (part.postgres && !this.record.postgres.includes(part.postgres))
      this.record.postgres.push(part.postgres);
    this.save();
  }

  done(): void {
    rmSync(this.file, { force: true });
  }

  /** Written whole or not at all (a sweep in another run may read it at any time). */
  private save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.record), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/** PIDs of processes whose environment carries the run's marker. */
export function markedPids(id: string): number[] {
  const needle = `${RUN_MARKER}=${id}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (`${readFileSync(`/proc/${entry}/environ`, 'latin1')}\0`.includes(needle)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids.filter((p) => p !== process.pid);
}

export interface Swept {
  readonly runs: string[];
  readonly namespaces: string[];
  readonly pids: number[];
  readonly dirs: string[];
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Removes what crashed runs left: everything named by a record whose owner is gone. Never
 * touches a live run. Synchronous and bounded (every command has a time limit).
 */
export function sweepLeftovers(dir = runsDir()): Swept {
  const swept = {
    runs: [] as string[],
    namespaces: [] as string[],
    pids: [] as number[],
    dirs: [] as string[],
  };
  const dead: RunRecord[] = [];
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      let r: RunRecord;
      try {
        r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as RunRecord;
      } catch {
        continue; // unreadable: not ours to judge
      }
      if (!ownerAlive(r)) dead.push(r);
    }
  }
  // only what a dead run recorded is removed: a namespace of a live run (whatever its runs dir) stays
  const ids = new Set(dead.map((r) => r.id));
  const namespaces = listNamespaces().filter((ns) => {
    const m = LAB_NAMESPACE.exec(ns);
    return m !== null && ids.has(m[1]!);
  });
  for (const id of ids) {
    const pids = markedPids(id);
    for (const ns of namespaces.filter((n) => LAB_NAMESPACE.exec(n)![1] === id))
      pids.push(...namespacePids(ns));
    killAll(pids);
    swept.pids.push(...pids);
  }
  for (const r of dead) {
    for (const data of r.postgres) {
      if (!existsSync(data)) continue;
      sh(
        'runuser',
        [
          '-u',
          'postgres',
          '--',
          '/usr/lib/postgresql/15/bin/pg_ctl',
          '-D',
          data,
          '-m',
          'immediate',
          '-w',
          'stop',
        ],
        15_000,
      );
    }
  }
  for (const ns of namespaces) {
    if (sh('ip', ['netns', 'del', ns], 5000).status === 0) swept.namespaces.push(ns);
  }
  for (const r of dead) {
    for (const d of r.dirs) {
      if (!existsSync(d)) continue;
      rmSync(d, { recursive: true, force: true });
      swept.dirs.push(d);
    }
    rmSync(join(dir, `${r.id}.json`), { force: true });
    swept.runs.push(`${r.kind} ${r.id}`);
  }
  return swept;
}

/** One line for the log, or undefined when there was nothing to remove. */
export function describeSwept(s: Swept): string | undefined {
  if (s.runs.length + s.namespaces.length + s.pids.length + s.dirs.length === 0) return undefined;
  return (
    `removed what an earlier run left: ${s.runs.length ? `run(s) ${s.runs.join(', ')}; ` : ''}` +
    `${s.namespaces.length} namespace(s)${s.namespaces.length ? ` (${s.namespaces.join(' ')})` : ''}, ` +
    `${s.pids.length} process(es), ${s.dirs.length} temp dir(s)`
  );
}
