/**
 * `npm run demo` stopped the way a person stops it: the demo runs as a terminal's foreground job
 * (its own process group, npm → tsx → the demo), and Ctrl-C sends SIGINT to that whole group; a
 * `timeout` or a closed terminal sends SIGTERM or SIGHUP. The lab's processes run in process
 * groups of their own, so the signal reaches the demo alone, which stops them in order. After
 * it exits, nothing of the run is left: no namespace, process, veth, run record or temp dir.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caddySkipReason } from '../test/support/caddy.ts';
import { postgresSkipReason } from '../test/support/postgres.ts';
import { delay, GiveUp, listNamespaces, sh, until } from './lab/commands.ts';
import { namespaceLabSkipReason } from './lab/index.ts';
import { markedPids, sweepLeftovers, type RunRecord } from './lab/runs.ts';

const skip =
  process.env.CI === 'true'
    ? undefined
    : (namespaceLabSkipReason() ?? postgresSkipReason() ?? caddySkipReason());
if (skip) console.log(`skipping the demo signal test: ${skip}`);

const work = mkdtempSync(join(tmpdir(), 'supafleet-demo-signal-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A process that runs (a zombie has exited and only waits for its parent to read its status). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

interface Snapshot {
  readonly records: RunRecord[];
  readonly namespaces: string[];
  readonly pids: number[];
  readonly veths: string[];
  readonly dirs: string[];
}

/** What the run holds now: its records (in the test's runs dir) and what they and their ids name. */
function snapshot(runsDir: string, groupPid: number, knownIds: readonly string[] = []): Snapshot {
  const records = existsSync(runsDir)
    ? readdirSync(runsDir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(runsDir, f), 'utf8')) as RunRecord)
    : [];
  const ids = [...new Set([...knownIds, ...records.map((r) => r.id)])];
  const ours = (name: string) => ids.some((id) => name.includes(id));
  const groupPids = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === groupPid;
      } catch {
        return false;
      }
    });
  return {
    records,
    namespaces: listNamespaces().filter(ours),
    pids: [...new Set([...ids.flatMap((id) => markedPids(id)), ...groupPids])].filter(running),
    veths: sh('ip', ['-o', 'link', 'show'])
      .stdout.split('\n')
      .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
      .filter((n) => n !== '' && ours(n)),
    dirs: records.flatMap((r) => r.dirs),
  };
}

describe.skipIf(skip !== undefined)('stopping npm run demo', () => {
  it.each([
    { signal: 'SIGINT' as const, twice: true, how: 'Ctrl-C (twice)' },
    { signal: 'SIGTERM' as const, twice: false, how: 'SIGTERM' },
  ])(
    'when $how reaches its process group, then the demo cleans up in order and leaves nothing behind',
    async ({ signal, twice }) => {
      const runsDir = join(work, `runs-${signal}`);
      const child = spawn('npm', ['run', 'demo'], {
        // a terminal's foreground job: a process group of its own
        detached: true,
        env: { ...process.env, SUPAFLEET_LAB_RUNS_DIR: runsDir, SUPAFLEET_DEMO_MODE: 'namespaces' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      const group = child.pid!;
      try {
        await until(
          'the demo to wait for Ctrl-C',
          () => {
            if (child.exitCode !== null) throw new GiveUp(`the demo exited early:\n${out.slice(-3000)}`);
            return out.includes('Ctrl-C stops the demo') ? true : undefined;
          },
          110_000,
          250,
        ).catch((err: Error) => {
          throw new Error(`${err.message}\n${out.slice(-3000)}`);
        });
        const before = snapshot(runsDir, group);
        expect(before.records.map((r) => r.kind).sort()).toEqual(['demo', 'lab']);
        expect(before.namespaces.length).toBe(4);
        expect(before.pids.length).toBeGreaterThan(10);
        expect(before.dirs.length).toBeGreaterThanOrEqual(3);

        process.kill(-group, signal);
        if (twice) {
          await delay(300);
          process.kill(-group, signal);
        }
        const timer = setTimeout(() => process.kill(-group, 'SIGKILL'), 60_000);
        await exited;
        clearTimeout(timer);

        expect(out).toContain(`${signal}: stopping the demo`);
        if (twice) expect(out).toContain(`${signal}: already cleaning up, please wait`);
        expect(out).toMatch(/cleaned up: 4 namespaces, \d+ processes, temp dirs/);
        const after = snapshot(
          runsDir,
          group,
          before.records.map((r) => r.id),
        );
        expect(after.records).toEqual([]);
        expect(after.namespaces).toEqual([]);
        const describe = (pid: number) => {
          try {
            return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`;
          } catch {
            return `${pid} (gone)`;
          }
        };
        expect(after.pids.map(describe), out.slice(-2000)).toEqual([]);
        expect(before.pids.filter(running)).toEqual([]);
        expect(after.veths).toEqual([]);
        expect(before.dirs.filter((d) => existsSync(d))).toEqual([]);
      } finally {
        if (child.exitCode === null && child.signalCode === null) {
          process.kill(-group, 'SIGKILL');
          await exited;
          // a demo killed outright cleans nothing: remove what its records name, as the next run would
          sweepLeftovers(runsDir);
        }
      }
    },
    180_000,
  );
});
