import { describe, expect, it } from 'vitest';
import { ComposeRuntime, parseComposePs } from './compose-runtime.ts';
import type { Exec, ExecResult } from './exec.ts';

function recording(results: Partial<ExecResult>[] = []): {
  exec: Exec;
  calls: { file: string; args: readonly string[] }[];
} {
  const calls: { file: string; args: readonly string[] }[] = [];
  const exec: Exec = async (file, args) => {
    calls.push({ file, args });
    return { code: 0, stdout: '', stderr: '', ...results.shift() };
  };
  return { exec, calls };
}

const base = [
  'compose',
  '-p',
  'acme',
  '--project-directory',
  '/opt/supafleet/current',
  '-f',
  '/opt/supafleet/current/docker-compose.yml',
];

describe('compose runtime', () => {
  it('when bringing the stack up, then it runs docker compose up -d --remove-orphans for the project', async () => {
    const { exec, calls } = recording();
    await new ComposeRuntime({ project: 'acme', dir: '/opt/supafleet/current', exec }).up(
      '/opt/supafleet/current',
    );
    expect(calls).toEqual([{ file: 'docker', args: [...base, 'up', '-d', '--remove-orphans'] }]);
  });

  it('when restarting one service or all, then it runs docker compose restart with or without the name', async () => {
    const { exec, calls } = recording();
    const rt = new ComposeRuntime({ project: 'acme', dir: '/opt/supafleet/current', exec });
    await rt.restart('rest');
    await rt.restart();
    expect(calls.map((c) => c.args.slice(base.length))).toEqual([['restart', 'rest'], ['restart']]);
  });

  it('when a service name could be read as an option, then restart refuses it without running anything', async () => {
    const { exec, calls } = recording();
    const rt = new ComposeRuntime({ project: 'acme', dir: '/d', exec });
    await expect(rt.restart('--help')).rejects.toThrow('"--help" is not a service name');
    expect(calls).toEqual([]);
  });

  it('when compose fails, then the error gives the exit code and the last lines of its output', async () => {
    const { exec } = recording([{ code: 1, stderr: 'pulling\nError: image not found: example/x:9\n' }]);
    const rt = new ComposeRuntime({ project: 'acme', dir: '/d', exec });
    await expect(rt.up('/d')).rejects.toThrow(
      'docker compose up exited with code 1: pulling | Error: image not found: example/x:9',
    );
  });

  it('when listing, then ps --all --format json is parsed into service states', async () => {
    const { exec, calls } = recording([
      {
        stdout:
          '{"Service":"rest","State":"running","Health":""}\n{"Service":"auth","State":"running","Health":"healthy"}\n',
      },
    ]);
    const ps = await new ComposeRuntime({ project: 'acme', dir: '/opt/supafleet/current', exec }).ps();
    expect(calls[0]!.args.slice(base.length)).toEqual(['ps', '--all', '--format', 'json']);
    expect(ps).toEqual([
      { name: 'auth', state: 'running', health: 'healthy' },
      { name: 'rest', state: 'running', health: 'none' },
    ]);
  });

  it.each([
    ['one object per line (newer Compose)', '{"Service":"db","State":"exited","Health":"","ExitCode":137}\n'],
    ['a JSON array (older Compose)', '[{"Service":"db","State":"exited","Health":"","ExitCode":137}]'],
  ])('when ps prints %s, then it is parsed the same', (_name, stdout) => {
    expect(parseComposePs(stdout)).toEqual([{ name: 'db', state: 'exited', health: 'none', exitCode: 137 }]);
  });

  it('when ps prints nothing, then there are no services', () => {
    expect(parseComposePs('\n')).toEqual([]);
  });

  it('when a container is starting or unhealthy, then its health is carried', () => {
    expect(
      parseComposePs(
        '{"Service":"a","State":"running","Health":"starting"}\n{"Service":"b","State":"running","Health":"unhealthy"}',
      ),
    ).toEqual([
      { name: 'a', state: 'running', health: 'starting' },
      { name: 'b', state: 'running', health: 'unhealthy' },
    ]);
  });
});
