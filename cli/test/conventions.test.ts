import { Readable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { commands } from '../commands/index.ts';
import { EXIT, readStream, type CliIo, type CommandIo } from '../io.ts';
import { main } from '../main.ts';
import { coloursOn, progressFor, styleFor } from '../style.ts';
import { fleetYaml, projectYaml, writeFleetDir } from '../../test/support/fleet-fixture.ts';
import { useTempDirs } from '../../test/support/temp-dir.ts';

const tempDir = useTempDirs();
const ESC = '\x1b[';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process with terminals (or not) on stdout and stderr. */
async function run(
  argv: string[],
  opts: { cwd: string; env?: Record<string, string>; stdin?: string; tty?: boolean },
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t) => void (stdout += t) },
    stderr: { write: (t) => void (stderr += t) },
    readStdin: (max) => readStream(Readable.from([Buffer.from(opts.stdin ?? '')]), max),
    stdinIsTty: false,
    stdoutIsTty: opts.tty === true,
    stderrIsTty: opts.tty === true,
    env: opts.env ?? {},
    cwd: opts.cwd,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Every command that runs (has an action, no subcommands), by its full name. */
function leafCommands(): Command[] {
  const program = new Command('supafleet');
  const io = { setExitCode: () => undefined } as unknown as CommandIo;
  for (const register of commands) register(program, io);
  const leaves: Command[] = [];
  const walk = (c: Command): void => {
    if (c.commands.length === 0) leaves.push(c);
    else for (const sub of c.commands) walk(sub);
  };
  for (const c of program.commands) walk(c);
  return leaves;
}

function fullName(c: Command): string {
  const names: string[] = [];
  for (let x: Command | null = c; x !== null && x.parent !== null; x = x.parent) names.unshift(x.name());
  return names.join(' ');
}

describe('--json on every command', () => {
  it('when the commands are listed, then each one that runs takes --json', () => {
    const leaves = leafCommands();
    expect(leaves.map(fullName)).toEqual(
      expect.arrayContaining(['validate', 'plan', 'seal', 'unseal', 'render worker', 'master token create']),
    );
    const without = leaves.filter((c) => !c.options.some((o) => o.long === '--json')).map(fullName);
    expect(without).toEqual([]);
  });

  it('when seal, unseal and badges get --json, then each prints one JSON object', async () => {
    const root = await tempDir();
    const keys = JSON.parse((await run(['keygen', '--json'], { cwd: root })).stdout) as {
      publicKey: string;
      privateKey: string;
    };
    await writeFleetDir(root, {
      'fleet.yaml': `${fleetYaml(keys.publicKey)}`.replace(
        'github: { repository_id: 1, owner_id: 2 }',
        'github: { repository: acme-org/fleet, repository_id: 1, owner_id: 2 }',
      ),
      'projects/acme.yaml': projectYaml('acme'),
    });
    const sealed = await run(['seal', '--project', 'acme', '--field', 'auth.smtp.pass', '--json'], {
      cwd: root,
      stdin: 'pw-7f3a91\n',
    });
    expect(sealed.code).toBe(EXIT.ok);
    const body = JSON.parse(sealed.stdout) as { project: string; field: string; sealed: string };
    expect(body).toMatchObject({ project: 'acme', field: 'auth.smtp.pass' });
    expect(body.sealed).toMatch(/^sealed:v1:acme:auth\.smtp\.pass:/);
    expect(sealed.stdout).not.toContain('pw-7f3a91');

    const opened = await run(['unseal', '--project', 'acme', '--field', 'auth.smtp.pass', '--json'], {
      cwd: root,
      stdin: body.sealed,
      env: { SUPAFLEET_SEAL_PRIVATE_KEY: keys.privateKey },
    });
    expect(opened.code).toBe(EXIT.ok);
    expect(JSON.parse(opened.stdout)).toEqual({
      project: 'acme',
      field: 'auth.smtp.pass',
      value: 'pw-7f3a91',
    });

    const wrongField = await run(
      ['unseal', '--project', 'acme', '--field', 'functions.secrets.X', '--json'],
      {
        cwd: root,
        stdin: body.sealed,
        env: { SUPAFLEET_SEAL_PRIVATE_KEY: keys.privateKey },
      },
    );
    expect(wrongField.code).toBe(EXIT.invalid);
    expect(JSON.parse(wrongField.stdout)).toMatchObject({ ok: false });
    expect(wrongField.stdout + wrongField.stderr).not.toContain('pw-7f3a91');

    const badges = await run(['badges', '--json'], { cwd: root });
    expect(badges.code).toBe(EXIT.ok);
    const listed = JSON.parse(badges.stdout) as { repository: string; badges: { project: string }[] };
    expect(listed.repository).toBe('acme-org/fleet');
    expect(listed.badges.map((b) => b.project)).toEqual(['acme']);
  });

  it('when render gets --json, then it lists each written file with its size and the user_data budget', async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'projects/acme.yaml': projectYaml('acme') });
    const out = await tempDir();
    const r = await run(['render', 'worker', '--project', 'acme', '--out', out, '--json'], { cwd: root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.ok);
    const body = JSON.parse(r.stdout) as {
      ok: boolean;
      files: { path: string; bytes: number }[];
      userData: { bytes: number; limit: number; ok: boolean };
    };
    expect(body.ok).toBe(true);
    expect(body.files.map((f) => f.path)).toContain('user-data.yaml');
    expect(body.userData).toMatchObject({ limit: 32 * 1024, ok: true });
    expect(body.userData.bytes).toBe(body.files.find((f) => f.path === 'user-data.yaml')!.bytes);
  });

  it('when plan gets --json on an invalid fleet, then stdout still carries {ok: false, errors}', async () => {
    const root = await tempDir();
    await writeFleetDir(root, {
      'projects/acme.yaml': 'name: acme\nserver: { type: cx99, location: fsn1 }\n',
    });
    const r = await run(['plan', '--json'], { cwd: root });
    expect(r.code).toBe(EXIT.invalid);
    const body = JSON.parse(r.stdout) as { ok: boolean; errors: { file: string }[] };
    expect(body.ok).toBe(false);
    expect(body.errors[0]!.file).toBe('projects/acme.yaml');
  });

  it('when a command with --json stops on a usage error, then stdout carries {ok: false, exitCode: 2, error}', async () => {
    const root = await tempDir();
    const missing = await run(['validate', '--root', 'no/such/dir', '--json'], { cwd: root });
    expect(missing.code).toBe(EXIT.usage);
    expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, exitCode: 2 });
    const unknown = await run(['validate', '--bogus', '--json'], { cwd: root });
    expect(unknown.code).toBe(EXIT.usage);
    expect(JSON.parse(unknown.stdout)).toMatchObject({
      ok: false,
      exitCode: 2,
      error: expect.stringMatching(/--bogus/),
    });
  });
});

describe('exit codes', () => {
  it('when a command succeeds, then 0; when a spec is invalid, then 1; when it is called wrongly, then 2', async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'projects/acme.yaml': projectYaml('acme') });
    expect((await run(['validate'], { cwd: root })).code).toBe(0);
    expect((await run(['--version'], { cwd: root })).code).toBe(0);
    expect((await run(['--help'], { cwd: root })).code).toBe(0);
    expect((await run(['plan'], { cwd: root })).code).toBe(0);

    await writeFleetDir(root, {
      'projects/acme.yaml': 'name: acme\nserver: { type: cx99, location: fsn1 }\n',
    });
    expect((await run(['validate'], { cwd: root })).code).toBe(1);
    expect((await run(['plan'], { cwd: root })).code).toBe(1);
    expect((await run(['render', 'master', '--out', await tempDir()], { cwd: root })).code).toBe(1);

    expect((await run(['no-such-command'], { cwd: root })).code).toBe(2);
    expect((await run(['validate', '--no-such-option'], { cwd: root })).code).toBe(2);
    expect((await run(['seal', '--project', 'acme'], { cwd: root })).code).toBe(2);
    expect(
      (await run(['unseal', '--project', 'acme', '--field', 'auth.smtp.pass'], { cwd: root })).code,
    ).toBe(2);
    expect((await run(['plan', '--json', '--markdown'], { cwd: root })).code).toBe(2);
  });

  it('when render worker names a project the fleet does not have, then 2 (a usage error)', async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'projects/acme.yaml': projectYaml('acme') });
    const r = await run(['render', 'worker', '--project', 'nope', '--out', await tempDir()], { cwd: root });
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toContain('no project named "nope"; expected one of: acme');
  });
});

describe('colours and progress only on a terminal', () => {
  const invalid = { 'projects/acme.yaml': 'name: acme\nserver: { type: cx99, location: fsn1 }\n' };

  it('when the output is not a terminal, then validate prints no escape codes', async () => {
    const root = await tempDir();
    await writeFleetDir(root, invalid);
    const r = await run(['validate'], { cwd: root, tty: false });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(ESC);
  });

  it('when the output is a terminal, then validate colours the errors and the summary', async () => {
    const root = await tempDir();
    await writeFleetDir(root, invalid);
    const r = await run(['validate'], { cwd: root, tty: true });
    expect(r.stdout).toContain(`${ESC}31m`);
    expect(r.stderr).toContain(`${ESC}31m1 error${ESC}39m in 1 file`);
  });

  it('when NO_COLOR is set (to anything but empty), then a terminal gets no colours either', async () => {
    const root = await tempDir();
    await writeFleetDir(root, invalid);
    const r = await run(['validate'], { cwd: root, tty: true, env: { NO_COLOR: '1' } });
    expect(r.stdout + r.stderr).not.toContain(ESC);
    expect(coloursOn(true, { NO_COLOR: '' })).toBe(true);
    expect(coloursOn(true, { TERM: 'dumb' })).toBe(false);
    expect(coloursOn(false, {})).toBe(false);
    expect(coloursOn(undefined, {})).toBe(false);
  });

  it('when --json is given on a terminal, then the JSON has no escape codes', async () => {
    const root = await tempDir();
    await writeFleetDir(root, invalid);
    const r = await run(['validate', '--json'], { cwd: root, tty: true });
    expect(r.stdout).not.toContain(ESC);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false });
  });

  it('when stderr is a terminal, then a progress line is drawn and cleared; otherwise nothing is written', () => {
    let written = '';
    const base = {
      stdout: { write: () => undefined },
      stderr: { write: (t: string) => void (written += t) },
      readStdin: () => Promise.resolve(''),
      stdinIsTty: false,
      env: {},
      cwd: '/',
    };
    const off = progressFor({ ...base, stderrIsTty: false });
    off.update('reading the master…');
    off.done();
    expect(written).toBe('');

    const quiet = progressFor({ ...base, stderrIsTty: true }, true);
    quiet.update('reading the master…');
    expect(written).toBe('');

    const on = progressFor({ ...base, stderrIsTty: true });
    on.update('reading the master…');
    on.done();
    expect(written).toContain('reading the master…');
    expect(written.endsWith('\r\x1b[2K')).toBe(true);
    expect(styleFor({ ...base, stdoutIsTty: true }, 'stdout').enabled).toBe(true);
    expect(styleFor({ ...base, stdoutIsTty: true }, 'stderr').enabled).toBe(false);
  });
});

describe('start-up cost', () => {
  it('when validate runs, then it never asks whether stdin or stdout is a terminal (Node creates those streams on first touch)', async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'projects/acme.yaml': projectYaml('acme') });
    let stderr = '';
    const touched: string[] = [];
    const io: CliIo = {
      stdout: { write: () => undefined },
      stderr: { write: (t) => void (stderr += t) },
      readStdin: () => Promise.resolve(''),
      get stdinIsTty(): boolean {
        touched.push('stdin');
        return false;
      },
      get stdoutIsTty(): boolean {
        touched.push('stdout');
        return false;
      },
      stderrIsTty: false,
      env: {},
      cwd: root,
    };
    expect(await main(['validate'], io)).toBe(EXIT.ok);
    expect(stderr).toBe('ok: fleet.yaml and 1 project are valid\n');
    expect(touched).toEqual([]);
  });
});
