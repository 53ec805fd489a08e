/**
 * A crashed lab or demo run leaves its namespaces, processes and temp dirs behind; the next run
 * removes them at start (and says so), and never touches a run whose owner is alive.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, listNamespaces, sh, until } from './commands.ts';
import { namespaceLabSkipReason } from './lab.ts';
import { describeSwept, RUN_MARKER, RunRecorder, sweepLeftovers } from './runs.ts';

const skip = process.env.CI === 'true' ? undefined : namespaceLabSkipReason();
if (skip) console.log(`skipping the leftover sweep test: ${skip}`);

describe.skipIf(skip !== undefined)('removing what a crashed run left', () => {
  const work = mkdtempSync(join(tmpdir(), 'supafleet-runs-test-'));
  const runs = join(work, 'runs');
  const before = process.env.SUPAFLEET_LAB_RUNS_DIR;
  beforeAll(() => {
    process.env.SUPAFLEET_LAB_RUNS_DIR = runs;
    mkdirSync(runs, { recursive: true });
  });
  afterAll(() => {
    if (before === undefined) delete process.env.SUPAFLEET_LAB_RUNS_DIR;
    else process.env.SUPAFLEET_LAB_RUNS_DIR = before;
    for (const ns of listNamespaces().filter((n) => /^sfl[mw](dead1|a1ive)/.test(n)))
      sh('ip', ['netns', 'del', ns]);
    rmSync(work, { recursive: true, force: true });
  });

  it('when an earlier run crashed, then its namespaces, marked processes, dirs and record go, and a live run stays', async () => {
    // the crashed run: an owner PID that is gone, a namespace, a marked process in it, a temp dir
    const deadDir = join(work, 'dead-run');
    mkdirSync(deadDir);
    writeFileSync(
      join(runs, 'dead1.json'),
      JSON.stringify({
        id: 'dead1',
        kind: 'lab',
        owner: { pid: 2 ** 22 + 7, start: '1' },
        dirs: [deadDir],
        postgres: [],
      }),
    );
    sh('ip', ['netns', 'add', 'sflmdead1']);
    const orphan = spawn('ip', ['netns', 'exec', 'sflmdead1', 'sleep', '60'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [RUN_MARKER]: 'dead1' },
      stdio: 'ignore',
      detached: true,
    });
    await until('the orphan to start', () => (isAlive(orphan.pid!) ? true : undefined), 5000, 50);

    // a live run of this process, with its own namespace and dir
    const live = new RunRecorder('a1ive', 'demo');
    const liveDir = join(work, 'live-run');
    mkdirSync(liveDir);
    live.add({ dir: liveDir });
    sh('ip', ['netns', 'add', 'sflma1ive']);

    try {
      const swept = sweepLeftovers();
      expect(swept.runs).toEqual(['lab dead1']);
      expect(swept.namespaces).toEqual(['sflmdead1']);
      expect(swept.pids).toContain(orphan.pid);
      expect(swept.dirs).toEqual([deadDir]);
      expect(describeSwept(swept)).toMatch(
        /^removed what an earlier run left: run\(s\) lab dead1; 1 namespace\(s\) \(sflmdead1\), \d+ process\(es\), 1 temp dir\(s\)$/,
      );

      await until('the orphan to be gone', () => (isAlive(orphan.pid!) ? undefined : true), 5000, 50);
      expect(listNamespaces()).not.toContain('sflmdead1');
      expect(existsSync(deadDir)).toBe(false);
      expect(existsSync(join(runs, 'dead1.json'))).toBe(false);

      // the live run is untouched
      expect(listNamespaces()).toContain('sflma1ive');
      expect(existsSync(liveDir)).toBe(true);
      expect(existsSync(join(runs, 'a1ive.json'))).toBe(true);

      // and a second sweep finds nothing to say
      expect(describeSwept(sweepLeftovers())).toBeUndefined();
    } finally {
      live.done();
      if (isAlive(orphan.pid!)) process.kill(orphan.pid!, 'SIGKILL');
    }
  });
});
