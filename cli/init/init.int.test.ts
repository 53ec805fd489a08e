/**
 * `supafleet init` against the GitHub and Hetzner fakes where it must stop before changing
 * anything: a token of the wrong scope, and `--plan`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSealKeypair } from '../../core/seal/seal.ts';
import { startFakeGitHub, type FakeGitHub } from '../../fakes/github/server.ts';
import { startFakeHetzner, type FakeHetzner } from '../../fakes/hetzner/index.ts';
import { runCli } from '../../test/support/cli-io.ts';
import type { InitDeps } from './ports.ts';
import { toolsSkipReason } from '../../test/support/tools.ts';

const RW = 'w'.repeat(64);
const RO = 'r'.repeat(64);
const GH = 'ghp_init_int_token';
let github: FakeGitHub;
let hetzner: FakeHetzner;
let dir: string;

beforeEach(async () => {
  github = await startFakeGitHub({
    token: GH,
    actionsPublicKey: (await generateSealKeypair()).publicKey,
    repoId: 4242,
    ownerId: 77,
  });
  github.state.push('main', { 'README.md': '# fleet\n' });
  hetzner = await startFakeHetzner({
    token: RW,
    readOnlyTokens: [RO],
    storageBoxes: [{ id: 4711, username: 'u1' }],
  });
  dir = mkdtempSync(join(tmpdir(), 'supafleet-init-int-'));
});
afterEach(async () => {
  await github.close();
  await hetzner.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The answers every run here gives as flags: the repository, domain, Storage Box, SSH key and key directory. */
const answers = (): string[] => [
  '--root',
  'clone',
  '--repo',
  'acme-corp/fleet',
  '--domain',
  'example.com',
  '--storage-box-host',
  'u1.your-storagebox.de',
  '--storage-box-id',
  '4711',
  '--ssh-key',
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6wtl2gbTW8KRgAkL+j52rRByBRhngJFhQInLaYpzPL op@laptop',
  '--key-dir',
  join(dir, 'keys'),
];

/** The tokens from the environment, the fakes' addresses, and a home of its own. */
const initEnv = (tokens: { rw: string; ro: string }) => ({
  GITHUB_TOKEN: GH,
  GITHUB_API_URL: github.url,
  HCLOUD_TOKEN: tokens.rw,
  HCLOUD_TOKEN_READONLY: tokens.ro,
  HCLOUD_ENDPOINT: hetzner.url,
  HETZNER_ENDPOINT: hetzner.url,
  HOME: dir,
});

/** A loopback port nothing listens on: where the Storage Box probe goes here, so no test leaves the machine. */
const CLOSED_PORT = 1;

/** Runs init in-process with its real collaborators, its Storage Box probe aimed at {@link CLOSED_PORT}. */
const init = async (extra: string[], tokens: { rw: string; ro: string }) => {
  const { main } = await import('../main.ts');
  const { fakeIo } = await import('../../test/support/cli-io.ts');
  const captured = fakeIo({ cwd: dir, env: initEnv(tokens) });
  const initDeps = (real: InitDeps): InitDeps => ({
    ...real,
    probeStorageBox: (target, key) =>
      real.probeStorageBox({ ...target, host: '127.0.0.1', port: CLOSED_PORT }, key),
  });
  const code = await main(['init', '--yes', ...answers(), ...extra], { ...captured.io, initDeps });
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
};

const githubWrites = () => github.calls().filter((c) => c.method !== 'GET');

describe('supafleet init stops before any change', () => {
  it('when HCLOUD_TOKEN is a Read token, then it exits 1 naming HCLOUD_TOKEN and the fix, and writes nothing', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'clone'));
    const r = await init([], { rw: RO, ro: RO });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: HCLOUD_TOKEN is a Read token, .*create a Read & Write token/);
    expect(githubWrites()).toEqual([]);
    expect(existsSync(join(dir, 'clone', 'fleet.yaml'))).toBe(false);
    expect(existsSync(join(dir, 'keys'))).toBe(false);
    expect(r.stdout + r.stderr).not.toContain(RO);
  });

  it('when HCLOUD_TOKEN_READONLY can write, then it exits 1 naming HCLOUD_TOKEN_READONLY', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'clone'));
    const r = await init(['--json'], { rw: RW, ro: RW });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      problems: string[];
      tokens: Record<string, string>;
    };
    expect(report.ok).toBe(false);
    expect(report.tokens).toEqual({ HCLOUD_TOKEN: 'read_write', HCLOUD_TOKEN_READONLY: 'read_write' });
    expect(report.problems).toEqual([expect.stringMatching(/^HCLOUD_TOKEN_READONLY can write/)]);
    expect(githubWrites()).toEqual([]);
  });

  it('when --plan is given, then it prints every step as a create and changes nothing in GitHub or locally', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'clone'));
    const r = await init(['--plan'], { rw: RW, ro: RO });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('+ fleet.yaml');
    expect(r.stderr).toContain('+ environment production');
    expect(r.stderr).toContain('+ the master server (run the master.yml workflow (mode create) on main)');
    expect(r.stderr).toContain('~ SSH access to Storage Box 4711 (off now; turned on');
    expect(r.stderr).toMatch(/11 change\(s\)\./);
    expect(githubWrites()).toEqual([]);
    expect(existsSync(join(dir, 'clone', 'fleet.yaml'))).toBe(false);
  });
});

const noKeygen = toolsSkipReason(['ssh-keygen'], 'init tests that make the Storage Box key');
if (noKeygen) console.log(`skipping: ${noKeygen}`);

describe.skipIf(noKeygen !== undefined)('supafleet init and a key it made before', () => {
  it('when the key directory already holds a seal private key and fleet.yaml has none, then that key is used, not replaced', async () => {
    const { mkdirSync, readFileSync, writeFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const { publicKeyOf } = await import('../../core/seal/seal.ts');
    mkdirSync(join(dir, 'clone'));
    mkdirSync(join(dir, 'keys'));
    const earlier = await generateSealKeypair();
    writeFileSync(join(dir, 'keys', 'fleet-seal.key'), `${earlier.privateKey.reveal()}\n`, { mode: 0o600 });
    const r = await init(['--skip-master'], { rw: RW, ro: RO });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    const fleet = parse(readFileSync(join(dir, 'clone', 'fleet.yaml'), 'utf8')) as {
      seal: { public_key: string };
    };
    expect(fleet.seal.public_key).toBe(await publicKeyOf(earlier.privateKey));
    expect(readFileSync(join(dir, 'keys', 'fleet-seal.key'), 'utf8').trim()).toBe(
      earlier.privateKey.reveal(),
    );
    // the box does not answer from here: a warning names its host and port, and the key's install command is left
    expect(r.stderr).toMatch(
      /^warning: Storage Box u1\.your-storagebox\.de:23 does not answer from this machine \(.*Connection refused\): its access settings allow only Hetzner networks/m,
    );
    expect(r.stdout).toContain(
      `cat ${join(dir, 'keys', 'backup.key')}.pub | ssh -p23 u1@u1.your-storagebox.de install-ssh-key`,
    );
  });
});

describe.skipIf(noKeygen !== undefined)('supafleet init when GitHub refuses a change', () => {
  it('when the master workflow cannot be dispatched, then exit 2 names the change, and what was done before stays done', async () => {
    const { mkdirSync } = await import('node:fs');
    await github.close();
    github = await startFakeGitHub({
      token: GH,
      actionsPublicKey: (await generateSealKeypair()).publicKey,
      workflows: [], // Actions not allowed in the fork yet: no workflow to dispatch
    });
    github.state.push('main', { 'README.md': '# fleet\n' });
    mkdirSync(join(dir, 'clone'));
    const r = await init([], { rw: RW, ro: RO });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /running the master\.yml workflow on main \(Actions must be allowed in the fork\) failed: Not Found/,
    );
    expect(github.state.environments.get('production')?.secrets.has('HCLOUD_TOKEN')).toBe(true);
  });
});

describe('supafleet init and the Storage Box', () => {
  const mkClone = async () => (await import('node:fs')).mkdirSync(join(dir, 'clone'));
  const hetznerWrites = () => hetzner.calls().filter((c) => c.method !== 'GET');

  it('when no Storage Box has storage_box.id, then it exits 1 naming the id, and changes nothing', async () => {
    await mkClone();
    const r = await runCli(['init', '--yes', ...answers().map((a) => (a === '4711' ? '999' : a))], {
      cwd: dir,
      env: initEnv({ rw: RW, ro: RO }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: storage_box\.id 999: no Storage Box has this id/m);
    expect(githubWrites()).toEqual([]);
    expect(hetznerWrites().filter((c) => c.path.startsWith('/storage_boxes'))).toEqual([]);
  });

  it("when storage_box.host is not the box's host, then it exits 1 naming both hosts and both users", async () => {
    await mkClone();
    const r = await runCli(
      [
        'init',
        '--yes',
        ...answers().map((a) => (a === 'u1.your-storagebox.de' ? 'u9.your-storagebox.de' : a)),
      ],
      { cwd: dir, env: initEnv({ rw: RW, ro: RO }) },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'storage_box.host is u9.your-storagebox.de but Storage Box 4711 is at u1.your-storagebox.de',
    );
    expect(r.stderr).toContain("storage_box.user is u9 but Storage Box 4711's main account is u1");
    expect(githubWrites()).toEqual([]);
  });

  it('when SSH access is on already, then --plan keeps it and no change is asked of the box', async () => {
    await hetzner.close();
    hetzner = await startFakeHetzner({
      token: RW,
      readOnlyTokens: [RO],
      storageBoxes: [{ id: 4711, username: 'u1', accessSettings: { ssh_enabled: true } }],
    });
    await mkClone();
    const r = await init(['--plan', '--json'], { rw: RW, ro: RO });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { plan: { id: string; action: string }[] };
    expect(report.plan.find((p) => p.id === 'storage-box-ssh')?.action).toBe('keep');
  });
});

describe('supafleet init and an older setup', () => {
  it('when HCLOUD_TOKEN is still a repository secret, then it warns that any branch can read it and says what to do', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'clone'));
    github.state.secrets.set('HCLOUD_TOKEN', { encrypted_value: 'x', key_id: 'k' });
    const r = await init(['--plan', '--json'], { rw: RW, ro: RO });
    const report = JSON.parse(r.stdout) as { warnings: string[] };
    expect(report.warnings).toEqual([
      expect.stringMatching(
        /^HCLOUD_TOKEN is also a repository secret, which a workflow on any branch can read: delete it .* and roll the token/,
      ),
    ]);
    expect(r.stderr).toMatch(/^warning: HCLOUD_TOKEN is also a repository secret/m);
  });
});

describe('supafleet init progress', () => {
  const onTerminal = async (extra: string[]) => {
    const { mkdirSync } = await import('node:fs');
    const { main } = await import('../main.ts');
    const { fakeIo } = await import('../../test/support/cli-io.ts');
    mkdirSync(join(dir, 'clone'), { recursive: true });
    const captured = fakeIo({
      cwd: dir,
      env: initEnv({ rw: RW, ro: RO }),
    });
    const io = { ...captured.io, stderrIsTty: true };
    const code = await main(['init', '--yes', '--plan', ...answers(), ...extra], io);
    return { code, stderr: captured.stderr() };
  };

  it('when stderr is a terminal, then each wait shows a progress line, redrawn in place', async () => {
    const r = await onTerminal([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('\r\x1b[2K');
    expect(r.stderr).toMatch(/checking HCLOUD_TOKEN \(a throwaway SSH key is created and deleted\)/);
  });

  it('when --json is given on a terminal, then stderr has no progress line', async () => {
    const r = await onTerminal(['--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('\x1b[');
  });
});
