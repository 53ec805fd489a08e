import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComposeRuntime } from './compose-runtime.ts';
import { execFileExec } from './exec.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sf-compose-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A stand-in `docker` program: records its arguments, prints ps output, fails `up` when told to. */
async function fakeDocker(): Promise<string> {
  const path = join(dir, 'docker');
  await writeFile(
    path,
    [
      '#!/bin/sh',
      `printf '%s\\n' "$*" >> '${dir}/calls'`,
      'for a in "$@"; do',
      '  if [ "$a" = ps ]; then',
      `    echo '{"Service":"rest","State":"running","Health":"healthy"}'`,
      `    echo '{"Service":"db","State":"exited","Health":"","ExitCode":1}'`,
      '  fi',
      `  if [ "$a" = up ] && [ -f '${dir}/fail' ]; then echo 'service "auth" refers to undefined volume x' >&2; exit 15; fi`,
      'done',
    ].join('\n'),
  );
  await chmod(path, 0o755);
  return path;
}

describe('compose runtime with a real process', () => {
  it('when up, ps and restart run, then docker gets the expected command lines and ps is parsed', async () => {
    const rt = new ComposeRuntime({
      project: 'supafleet',
      dir: join(dir, 'current'),
      exec: execFileExec,
      docker: await fakeDocker(),
    });
    await mkdir(join(dir, 'current'));
    await rt.up(join(dir, 'current'));
    const ps = await rt.ps();
    await rt.restart('rest');
    const calls = (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n');
    const prefix = `compose -p supafleet --project-directory ${dir}/current -f ${dir}/current/docker-compose.yml`;
    expect(calls).toEqual([
      `${prefix} up -d --remove-orphans`,
      `${prefix} ps --all --format json`,
      `${prefix} restart rest`,
    ]);
    expect(ps).toEqual([
      { name: 'db', state: 'exited', health: 'none', exitCode: 1 },
      { name: 'rest', state: 'running', health: 'healthy' },
    ]);
  });

  it('when compose fails, then up rejects with its exit code and message', async () => {
    const rt = new ComposeRuntime({
      project: 'supafleet',
      dir,
      exec: execFileExec,
      docker: await fakeDocker(),
    });
    await writeFile(join(dir, 'fail'), '');
    await expect(rt.up(dir)).rejects.toThrow(
      'docker compose up exited with code 15: service "auth" refers to undefined volume x',
    );
  });

  it('when the docker program is missing, then the error says so', async () => {
    const rt = new ComposeRuntime({
      project: 'supafleet',
      dir,
      exec: execFileExec,
      docker: join(dir, 'nope'),
    });
    await expect(rt.up(dir)).rejects.toThrow(
      /docker compose up exited with code 127: ENOENT: cannot run .*nope/,
    );
  });
});
