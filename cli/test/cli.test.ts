import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fleetYaml, projectYaml, writeFleetDir } from '../../test/support/fleet-fixture.ts';
import { runCli } from '../../test/support/cli-io.ts';
import { useTempDirs } from '../../test/support/temp-dir.ts';

const tempDir = useTempDirs();

async function keygen(cwd: string): Promise<{ publicKey: string; privateKey: string }> {
  const run = await runCli(['keygen', '--json'], { cwd });
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as { publicKey: string; privateKey: string };
}

async function sealValue(root: string, project: string, field: string, value: string): Promise<string> {
  const run = await runCli(['seal', '--project', project, '--field', field], {
    cwd: root,
    stdin: `${value}\n`,
  });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout.trim();
}

describe('supafleet keygen, seal, validate, unseal', () => {
  it('when a value is sealed into a spec, then validate accepts it and unseal returns the value', async () => {
    const root = await tempDir();
    const keys = await keygen(root);
    await writeFleetDir(root, { 'fleet.yaml': fleetYaml(keys.publicKey) });
    const secret = 'smtp-password-4b1d2c';
    const sealed = await sealValue(root, 'acme', 'auth.smtp.pass', secret);
    expect(sealed).toMatch(/^sealed:v1:acme:auth\.smtp\.pass:[A-Za-z0-9+/]+=*$/);
    expect(sealed).not.toContain(secret);
    await writeFleetDir(root, {
      'fleet.yaml': fleetYaml(keys.publicKey),
      'projects/acme.yaml': projectYaml(
        'acme',
        `auth:\n  smtp: { host: smtp.example.com, port: 587, user: apikey, pass: ${sealed}, sender: no-reply@acme.com }\n`,
      ),
    });

    const validate = await runCli(['validate'], { cwd: root });
    const unseal = await runCli(['unseal', '--project', 'acme', '--field', 'auth.smtp.pass'], {
      cwd: root,
      stdin: `${sealed}\n`,
      env: { SUPAFLEET_SEAL_PRIVATE_KEY: keys.privateKey },
    });

    expect(validate.code).toBe(0);
    expect(validate.stderr).toBe('ok: fleet.yaml and 1 project are valid\n');
    expect(unseal.code).toBe(0);
    expect(unseal.stdout).toBe(`${secret}\n`);
    expect(validate.stdout + validate.stderr + unseal.stderr).not.toContain(secret);
  });

  it('when the ciphertext was tampered with, then unseal exits 1 without printing anything secret', async () => {
    const root = await tempDir();
    const keys = await keygen(root);
    await writeFleetDir(root, { 'fleet.yaml': fleetYaml(keys.publicKey) });
    const sealed = await sealValue(root, 'acme', 'auth.smtp.pass', 'tamper-me-91');
    const at = sealed.length - 10;
    const tampered = sealed.slice(0, at) + (sealed[at] === 'A' ? 'B' : 'A') + sealed.slice(at + 1);

    const run = await runCli(['unseal', '--project', 'acme', '--field', 'auth.smtp.pass'], {
      cwd: root,
      stdin: tampered,
      env: { SUPAFLEET_SEAL_PRIVATE_KEY: keys.privateKey },
    });

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /cannot open the sealed value for acme auth\.smtp\.pass: it was sealed to another key or altered/,
    );
    expect(run.stderr).not.toContain('tamper-me-91');
  });

  it('when the private key is not the fleet key, then unseal exits 1', async () => {
    const root = await tempDir();
    const keys = await keygen(root);
    const other = await keygen(root);
    await writeFleetDir(root, { 'fleet.yaml': fleetYaml(keys.publicKey) });
    const sealed = await sealValue(root, 'acme', 'functions.secrets.STRIPE_KEY', 'sk_test_1');

    const run = await runCli(['unseal', '--project', 'acme', '--field', 'functions.secrets.STRIPE_KEY'], {
      cwd: root,
      stdin: sealed,
      env: { SUPAFLEET_SEAL_PRIVATE_KEY: other.privateKey },
    });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/sealed to another key or altered/);
  });

  it('when the header is forged to move a value to another project, then validate passes it but unseal exits 1', async () => {
    const root = await tempDir();
    const keys = await keygen(root);
    await writeFleetDir(root, { 'fleet.yaml': fleetYaml(keys.publicKey) });
    const sealedForBlog = await sealValue(root, 'blog', 'auth.smtp.pass', 'blog-only-password');
    const forged = sealedForBlog.replace('sealed:v1:blog:', 'sealed:v1:acme:');
    await writeFleetDir(root, {
      'fleet.yaml': fleetYaml(keys.publicKey),
      'projects/acme.yaml': projectYaml(
        'acme',
        `auth:\n  smtp: { host: smtp.example.com, port: 587, user: u, pass: ${forged}, sender: a@acme.com }\n`,
      ),
    });

    const validate = await runCli(['validate'], { cwd: root });
    const unseal = await runCli(['unseal', '--project', 'acme', '--field', 'auth.smtp.pass'], {
      cwd: root,
      stdin: forged,
      env: { SUPAFLEET_SEAL_PRIVATE_KEY: keys.privateKey },
    });

    expect(validate.code).toBe(0); // the header alone cannot show the forgery
    expect(unseal.code).toBe(1);
    expect(unseal.stderr).toMatch(/forged header/);
    expect(unseal.stdout + unseal.stderr).not.toContain('blog-only-password');
  });

  it('when a value is unsealed for another field than it was sealed for, then unseal exits 1 naming both', async () => {
    const root = await tempDir();
    const keys = await keygen(root);
    await writeFleetDir(root, { 'fleet.yaml': fleetYaml(keys.publicKey) });
    const sealed = await sealValue(root, 'acme', 'auth.smtp.pass', 'x-1');

    const run = await runCli(['unseal', '--project', 'acme', '--field', 'auth.external.google.secret'], {
      cwd: root,
      stdin: sealed,
      env: { SUPAFLEET_SEAL_PRIVATE_KEY: keys.privateKey },
    });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /sealed for acme auth\.smtp\.pass, but used for acme auth\.external\.google\.secret/,
    );
  });

  it('when keygen runs without --json, then it says where each key goes: the private key to the master, as init installs it', async () => {
    const run = await runCli(['keygen'], { cwd: tmpdir() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/fleet\.yaml as seal\.public_key/);
    expect(run.stdout).toContain('`supafleet init` installs');
    expect(run.stdout).toContain(
      "ssh <ssh user>@<master ipv4> 'sudo install -o 1000 -g 1000 -m 0400 /dev/stdin /etc/supafleet/fleet-seal.key' < fleet-seal.key",
    );
    // No workflow reads a repository secret of that name: the key never goes to GitHub.
    expect(run.stdout).not.toMatch(/SUPAFLEET_SEAL_PRIVATE_KEY|repository secret/);
    expect(run.stdout.match(/^ {2}[A-Za-z0-9+/]{43}=$/gm)).toHaveLength(2);
  });
});

describe('supafleet validate output', () => {
  const bad = projectYaml('acme').replace('type: cx22', 'type: cx99');

  it('when a spec is invalid, then each error is printed as file:line:column path: message', async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'projects/acme.yaml': bad });
    const run = await runCli(['validate', '--root', root], { cwd: tmpdir() });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^projects\/acme\.yaml:2:17 \/server\/type: unknown server type "cx99"; expected one of cax11, .*cx22, cx23/,
    );
    expect(run.stderr).toBe('1 error in 1 file (fleet.yaml and 1 project checked)\n');
  });

  it('when --json is given, then the output is {ok, projects, errors[{file, line, column, path, message}]}', async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'projects/acme.yaml': bad, 'projects/blog.yaml': projectYaml('blog') });
    const run = await runCli(['validate', '--root', root, '--json'], { cwd: root });
    const body = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(run.code).toBe(1);
    expect(Object.keys(body)).toEqual(['ok', 'projects', 'errors']);
    expect(body).toEqual({
      ok: false,
      projects: 2,
      errors: [
        {
          file: 'projects/acme.yaml',
          line: 2,
          column: 17,
          path: '/server/type',
          message: expect.stringMatching(/^unknown server type "cx99"/),
        },
      ],
    });
    expect(Object.keys((body.errors as object[])[0]!)).toEqual(['file', 'line', 'column', 'path', 'message']);
  });

  it('when run under GitHub Actions, then errors are also annotations with the path from the workspace', async () => {
    const workspace = await tempDir();
    const root = join(workspace, 'fleets', 'prod');
    await writeFleetDir(root, { 'projects/acme.yaml': bad });
    const run = await runCli(['validate', '--root', relative(workspace, root)], {
      cwd: workspace,
      env: { GITHUB_ACTIONS: 'true' },
    });
    expect(run.stdout.split('\n')).toContain(
      '::error file=fleets/prod/projects/acme.yaml,line=2,col=17,title=supafleet validate::/server/type: unknown server type "cx99"; expected one of cax11, cax21, cax31, cax41, ccx13, ccx23, ccx33, ccx43, cpx11, cpx21, cpx31, cpx41, cpx51, cx22, cx23, cx32, cx33, cx42, cx43, cx52, cx53',
    );
  });

  it('when a project file is too big, then the error sits at line 1, column 1 in text, JSON and annotations', async () => {
    const workspace = await tempDir();
    await writeFleetDir(workspace, { 'projects/acme.yaml': `name: acme\nx: "${'x'.repeat(70_000)}"\n` });
    const text = await runCli(['validate', '--root', '.'], { cwd: workspace });
    expect(text.code).toBe(1);
    expect(`${text.stdout}${text.stderr}`).toMatch(
      /^projects\/acme\.yaml:1:1: the file is \d+ bytes; expected at most 65536 bytes/m,
    );
    const json = await runCli(['validate', '--root', '.', '--json'], { cwd: workspace });
    const body = JSON.parse(json.stdout) as { errors: { file: string; line: number; column: number }[] };
    expect(body.errors[0]).toMatchObject({ file: 'projects/acme.yaml', line: 1, column: 1 });
    const gha = await runCli(['validate', '--root', '.'], {
      cwd: workspace,
      env: { GITHUB_ACTIONS: 'true' },
    });
    expect(gha.stdout).toMatch(
      /^::error file=projects\/acme\.yaml,line=1,col=1,title=supafleet validate::the file is/m,
    );
  });

  it('when a plaintext secret is in a spec, then no output repeats it', async () => {
    const root = await tempDir();
    const plaintext = 'do-not-print-7f3a9';
    await writeFleetDir(root, {
      'projects/acme.yaml': projectYaml(
        'acme',
        `auth:\n  smtp: { host: smtp.example.com, port: 587, user: u, pass: ${plaintext}, sender: a@acme.com }\nfunctions:\n  secrets: { API_KEY: ${plaintext}, bad-name: ${plaintext}, NUM: 12345 }\n`,
      ),
    });
    const human = await runCli(['validate', '--root', root], { cwd: root, env: { GITHUB_ACTIONS: 'true' } });
    const json = await runCli(['validate', '--root', root, '--json'], { cwd: root });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/auth\.smtp\.pass holds a plain value/);
    expect(json.stdout).toMatch(/\/functions\/secrets\/NUM/);
    for (const text of [human.stdout, human.stderr, json.stdout, json.stderr]) {
      expect(text).not.toContain(plaintext);
      expect(text).not.toContain('12345');
    }
  });

  it('when the fleet is valid, then validate exits 0 and prints nothing on stdout', async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'projects/acme.yaml': projectYaml('acme') });
    const run = await runCli(['validate', '--root', root], { cwd: root });
    expect(run).toEqual({ code: 0, stdout: '', stderr: 'ok: fleet.yaml and 1 project are valid\n' });
  });
});

describe('supafleet usage errors', () => {
  const cases: {
    name: string;
    argv: string[];
    env?: Record<string, string>;
    stdin?: string;
    stderr: RegExp;
  }[] = [
    { name: 'an unknown command', argv: ['deploy'], stderr: /unknown command 'deploy'/ },
    { name: 'an unknown option', argv: ['validate', '--fast'], stderr: /unknown option '--fast'/ },
    {
      name: 'seal without --project',
      argv: ['seal', '--field', 'auth.smtp.pass'],
      stderr: /required option '--project <name>' not specified/,
    },
    {
      name: 'seal for an invalid project name',
      argv: ['seal', '--project', 'Acme', '--field', 'auth.smtp.pass'],
      stdin: 'x',
      stderr: /"Acme" is not a valid name/,
    },
    {
      name: 'seal for a field that holds no secret',
      argv: ['seal', '--project', 'acme', '--field', 'auth.site_url'],
      stdin: 'x',
      stderr: /"auth\.site_url" is not a field that holds a sealed value/,
    },
    {
      name: 'seal for an unknown provider',
      argv: ['seal', '--project', 'acme', '--field', 'auth.external.myspace.secret'],
      stdin: 'x',
      stderr: /unknown auth provider "myspace"/,
    },
    {
      name: 'seal for a bad secret name',
      argv: ['seal', '--project', 'acme', '--field', 'functions.secrets.stripe-key'],
      stdin: 'x',
      stderr: /secret name "stripe-key" is not an environment variable name/,
    },
    {
      name: 'seal with nothing on stdin',
      argv: ['seal', '--project', 'acme', '--field', 'auth.smtp.pass'],
      stdin: '',
      stderr: /no value on standard input/,
    },
    {
      name: 'seal outside a fleet directory',
      argv: ['seal', '--root', 'nowhere', '--project', 'acme', '--field', 'auth.smtp.pass'],
      stdin: 'x',
      stderr: /no fleet\.yaml in .*nowhere; pass --root/,
    },
    {
      name: 'unseal without the private key',
      argv: ['unseal', '--project', 'acme', '--field', 'auth.smtp.pass'],
      stdin: 'sealed:v1:acme:auth.smtp.pass:AAAA',
      stderr: /SUPAFLEET_SEAL_PRIVATE_KEY is not set/,
    },
    {
      name: 'validate on a missing directory',
      argv: ['validate', '--root', 'nowhere'],
      stderr: /cannot read the fleet directory .*nowhere/,
    },
  ];

  it.each(cases)('when called with $name, then it exits 2 with a message', async (c) => {
    const root = await tempDir();
    await writeFleetDir(root, {});
    const run = await runCli(c.argv, { cwd: root, ...(c.env ? { env: c.env } : {}), stdin: c.stdin ?? '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(c.stderr);
  });

  it('when called with no command, then it prints help and exits 2', async () => {
    const run = await runCli([], { cwd: tmpdir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Usage: supafleet/);
  });

  it('when asked for --help or --version, then it exits 0', async () => {
    expect((await runCli(['--help'], { cwd: tmpdir() })).code).toBe(0);
    const version = await runCli(['--version'], { cwd: tmpdir() });
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });

  it('when the fleet.yaml has no seal key, then seal exits 1 and says how to make one', async () => {
    const root = await mkdtemp(join(tmpdir(), 'supafleet-test-'));
    try {
      await writeFleetDir(root, { 'fleet.yaml': fleetYaml().replace(/seal: .*\n/, '') });
      const run = await runCli(['seal', '--project', 'acme', '--field', 'auth.smtp.pass'], {
        cwd: root,
        stdin: 'x',
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/run supafleet keygen/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
