/**
 * `supafleet init --yes` end to end: from an empty clone of a fork to a healthy master, then a
 * second run that changes nothing. The CLI runs in-process with its real GitHub and Hetzner
 * clients, pointed at the GitHub fake and the Hetzner fake.
 *
 * What stands in for what cannot run here, each said where it happens below:
 * - the master workflow run: the GitHub fake's dispatch hook runs the master action's own create
 *   step (actions/master/src/create.ts) on fleet.yaml as committed to main, against the Hetzner
 *   fake (the runner, the checkout and the environment's approval are not modelled);
 * - the new server's first boot up to "waiting for its keys": nothing answers at the master's
 *   address until the keys are installed;
 * - SSH: the key install hands the installed seal key to the lab, whose master (the real master
 *   API in this process, in-process lab mode) starts with it, as the master's API starts once
 *   /etc/supafleet/fleet-seal.key exists;
 * - DNS: a resolver that answers nothing at first, then the master's IPv4 (the operator created
 *   the printed records); https://fleet.<domain> is the lab master's loopback URL;
 * - the Storage Box's SFTP port: a real OpenSSH sshd on port 23 in its own network namespace
 *   (test/support/ssh-box.ts), which init's real probe (`sftp` with backup.key) reaches there; the
 *   operator's `install-ssh-key` between the two runs is the public key written to the box's
 *   authorized_keys.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMaster } from '../actions/master/src/create.ts';
import { probeStorageBox } from '../cli/init/box-probe.ts';
import type { InitDeps } from '../cli/init/ports.ts';
import type { InitReport } from '../cli/init/run.ts';
import { main } from '../cli/main.ts';
import { realClock } from '../core/apply/ports.ts';
import { HetznerClient } from '../core/hetzner/client.ts';
import { formatSelector } from '../core/hetzner/label-selector.ts';
import { masterLabels } from '../core/naming/labels.ts';
import { generateSealKeypair, openBytes, publicKeyOf } from '../core/seal/seal.ts';
import { Secret } from '../core/seal/secret.ts';
import { loadFleetDir } from '../core/spec/load.ts';
import { resolveFleet } from '../core/spec/defaults.ts';
import type { FleetSpec } from '../core/spec/types.ts';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github/server.ts';
import { startFakeHetzner, type FakeHetzner } from '../fakes/hetzner/index.ts';
import { fakeIo } from '../test/support/cli-io.ts';
import { postgresSkipReason } from '../test/support/postgres.ts';
import { startSshBox, type SshBox } from '../test/support/ssh-box.ts';
import { rootToolsSkipReason, toolsSkipReason } from '../test/support/tools.ts';
import { startLab, type FleetLab } from './lab/index.ts';

const skip =
  postgresSkipReason() ??
  toolsSkipReason(['ssh-keygen'], 'the init end-to-end test') ??
  rootToolsSkipReason(
    'the Storage Box stand-in needs root (namespaces, chroot)',
    ['sshd', 'sftp', 'unshare', 'nsenter', 'openssl'],
    'the init end-to-end test',
  );
if (skip) console.log(`skipping the init end-to-end test: ${skip}`);

const GH_TOKEN = 'ghp_init_test_token_0123456789';
const RW = 'w'.repeat(64);
const RO = 'r'.repeat(64);
const SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6wtl2gbTW8KRgAkL+j52rRByBRhngJFhQInLaYpzPL ops@example.com';

describe.skipIf(skip !== undefined)('supafleet init end to end', () => {
  let github: FakeGitHub;
  let hetzner: FakeHetzner;
  let lab: FleetLab | undefined;
  let actionsKey: Awaited<ReturnType<typeof generateSealKeypair>>;
  const dirs: string[] = [];
  const runs: Promise<void>[] = [];
  const installs: { host: string; user: string; files: string[] }[] = [];
  let resolveCalls = 0;
  let box: SshBox;

  beforeAll(async () => {
    const boxDir = mkdtempSync(join(tmpdir(), 'supafleet-init-box-'));
    chmodSync(boxDir, 0o755); // the box's account reads its authorized_keys below it
    dirs.push(boxDir);
    box = await startSshBox(boxDir, [{ user: 'u123456', home: '' }]);
    actionsKey = await generateSealKeypair();
    hetzner = await startFakeHetzner({
      token: RW,
      readOnlyTokens: [RO],
      actionDurationMs: 100,
      storageBoxes: [{ id: 4711, username: 'u123456' }],
    });
    github = await startFakeGitHub({
      token: GH_TOKEN,
      actionsPublicKey: actionsKey.publicKey,
      repoId: 4242,
      ownerId: 77,
      users: { alice: 501 },
      // Stands in for the master workflow run: the master action's create step, on main's fleet.yaml.
      onDispatch: (d) => {
        if (d.workflow !== 'master.yml') return;
        runs.push(
          (async () => {
            const dir = mkdtempSync(join(tmpdir(), 'supafleet-init-run-'));
            dirs.push(dir);
            const files = github.state.commits.get(github.state.refs.get('main')!)!.files;
            const { writeFileSync } = await import('node:fs');
            writeFileSync(join(dir, 'fleet.yaml'), files.get('fleet.yaml')!);
            const loaded = await loadFleetDir(dir);
            if (!loaded.fleet)
              throw new Error(`fleet.yaml on main is invalid: ${JSON.stringify(loaded.errors)}`);
            const fleet = resolveFleet(loaded.fleet);
            const hz = new HetznerClient({ token: RW, endpoint: hetzner.url, pollIntervalMs: 1000 });
            const masters = await hz.listServers({ labelSelector: formatSelector(masterLabels(fleet.name)) });
            const quiet = { info() {}, warn() {}, error() {}, mask() {} };
            await createMaster(hz, { clock: realClock, log: quiet }, fleet, masters);
          })(),
        );
      },
    });
    // A fork has main with the project's files.
    github.state.push('main', { 'README.md': '# fleet\n' }, 'fork');
  });

  afterAll(async () => {
    await Promise.allSettled(runs);
    await lab?.stop();
    await box?.stop();
    await github?.close();
    await hetzner?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const clone = mkdtempSync(join(tmpdir(), 'supafleet-init-clone-'));
  const keyDir = mkdtempSync(join(tmpdir(), 'supafleet-init-keys-'));
  dirs.push(clone, keyDir);

  /** Stand-ins for DNS, the master's address and SSH around the real collaborators. */
  const wrap = (real: InitDeps): InitDeps => ({
    ...real,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))),
    async resolve(host) {
      resolveCalls += 1;
      if (resolveCalls <= 2) return []; // the records are not there yet
      const [master] = await new HetznerClient({ token: RW, endpoint: hetzner.url }).listServers({
        labelSelector: formatSelector(masterLabels('prod')),
      });
      return host.endsWith('example.com') && master?.public_net.ipv4 ? [master.public_net.ipv4.ip] : [];
    },
    // The box's name resolves to the sshd standing in for it; the probe runs in its network namespace.
    probeStorageBox: (target, keyPath) =>
      probeStorageBox(
        { ...target, host: box.host },
        keyPath,
        join(keyDir, 'storage-box.known_hosts'),
        async (cmd, args, input, timeoutMs) => {
          const r = box.run(cmd, args, { input, timeoutMs });
          return { code: r.status, stderr: r.stderr };
        },
      ),
    masterHealthy: async (url) =>
      url === 'https://fleet.example.com' && lab !== undefined ? real.masterHealthy(lab.masterUrl) : false,
    async installKeys(target, files) {
      installs.push({ ...target, files: files.map((f) => f.name) });
      const seal = files.find((f) => f.name === 'fleet-seal.key')!.content.reveal();
      const spec = (await loadFleetDir(clone)).fleet as FleetSpec;
      lab = await startLab({ mode: 'in-process', fleet: { spec, sealPrivateKey: seal } });
    },
  });

  const init = async (): Promise<{ code: number; report: InitReport; stdout: string; stderr: string }> => {
    const captured = fakeIo({
      cwd: clone,
      env: {
        GITHUB_TOKEN: GH_TOKEN,
        GITHUB_API_URL: github.url,
        HCLOUD_TOKEN: RW,
        HCLOUD_TOKEN_READONLY: RO,
        HCLOUD_ENDPOINT: hetzner.url,
        HETZNER_ENDPOINT: hetzner.url,
        HOME: keyDir,
      },
    });
    const io = { ...captured.io, initDeps: wrap };
    const argv = [
      'init',
      '--yes',
      '--json',
      '--repo',
      'acme-corp/fleet',
      '--domain',
      'example.com',
      '--storage-box-host',
      'u123456.your-storagebox.de',
      '--storage-box-id',
      '4711',
      '--ssh-key',
      SSH_KEY,
      '--reviewer',
      'alice',
      '--key-dir',
      keyDir,
      '--wait-minutes',
      '2',
    ];
    const code = await main(argv, io);
    return {
      code,
      report: JSON.parse(captured.stdout()) as InitReport,
      stdout: captured.stdout(),
      stderr: captured.stderr(),
    };
  };

  const open = async (sealed: string): Promise<string> =>
    new TextDecoder().decode(await openBytes(sealed, actionsKey.privateKey));

  it('when init runs on an empty clone, then the repository is set up, the master workflow runs and the master ends healthy', async () => {
    const first = await init();
    expect(first.report.problems).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.report.master).toMatchObject({
      name: 'prod-master',
      url: 'https://fleet.example.com',
      healthy: true,
    });
    expect(first.report.dns.resolved).toBe(true);
    expect(first.report.dns.records.map((r) => r.name)).toEqual(['fleet.example.com', '*.example.com']);
    expect(first.report.tokens).toEqual({ HCLOUD_TOKEN: 'read_write', HCLOUD_TOKEN_READONLY: 'read' });
    // the Storage Box: read by its id, SSH access turned on (it was off)
    expect(first.report.storageBox).toEqual({
      id: 4711,
      user: 'u123456',
      host: 'u123456.your-storagebox.de',
      sshEnabled: true,
      reachableExternally: false,
      subaccounts: 0,
      probe: 'key-not-installed',
    });
    expect(first.report.changed).toContain('storage-box-ssh');

    // fleet.yaml: written here and committed to main, with the ids GitHub gave and the new public key
    const fleetYaml = readFileSync(join(clone, 'fleet.yaml'), 'utf8');
    const mainFiles = github.state.commits.get(github.state.refs.get('main')!)!.files;
    expect(mainFiles.get('fleet.yaml')).toBe(fleetYaml);
    const spec = (await loadFleetDir(clone)).fleet!;
    expect(spec.github).toEqual({ repository: 'acme-corp/fleet', repository_id: 4242, owner_id: 77 });
    expect(spec.storage_box).toEqual({ host: 'u123456.your-storagebox.de', user: 'u123456', id: 4711 });

    // the private key: outside the repository, installed on the master, printed nowhere
    const keyFile = join(keyDir, 'fleet-seal.key');
    expect(relative(clone, keyFile).startsWith('..')).toBe(true);
    const privateKey = readFileSync(keyFile, 'utf8').trim();
    expect(await publicKeyOf(new Secret(privateKey))).toBe(spec.seal.public_key);
    expect(first.stdout + first.stderr).not.toContain(privateKey);
    for (const [, content] of mainFiles) expect(content).not.toContain(privateKey);
    expect(installs).toEqual([
      { host: first.report.master!.ipv4, user: 'deploy', files: ['fleet-seal.key', 'backup.key'] },
    ]);
    // the Storage Box key is made here and goes to the master; putting its public half on the box is the one command left
    const backupKey = readFileSync(join(keyDir, 'backup.key'), 'utf8').trim().split('\n');
    expect(backupKey[0]).toBe('-----BEGIN OPENSSH PRIVATE KEY-----');
    expect(first.stdout + first.stderr).not.toContain(backupKey[1]!);
    expect(first.report.next).toEqual([
      `cat ${join(keyDir, 'backup.key')}.pub | ssh -p23 u123456@u123456.your-storagebox.de install-ssh-key`,
    ]);
    for (const token of [RW, RO, GH_TOKEN]) expect(first.stdout + first.stderr).not.toContain(token);

    // GitHub: the tokens sealed where the workflows read them, the environment main-only with a reviewer
    expect(await open(github.state.secrets.get('HCLOUD_TOKEN_READONLY')!.encrypted_value)).toBe(RO);
    expect(github.state.secrets.has('HCLOUD_TOKEN')).toBe(false);
    const env = github.state.environments.get('production')!;
    expect(await open(env.secrets.get('HCLOUD_TOKEN')!.encrypted_value)).toBe(RW);
    expect(env.reviewers).toEqual([{ type: 'User', id: 501 }]);
    expect(env.prevent_self_review).toBe(true);
    expect(env.deployment_branch_policy).toEqual({ protected_branches: false, custom_branch_policies: true });
    expect(env.branch_policies.map((p) => [p.name, p.type])).toEqual([['main', 'branch']]);
    expect(github.state.variables.get('SUPAFLEET_MASTER_URL')?.value).toBe('https://fleet.example.com');
    expect(github.state.dispatches).toEqual([
      { workflow: 'master.yml', ref: 'main', inputs: { mode: 'create' } },
    ]);

    // the token probe left nothing behind in Hetzner
    expect(await new HetznerClient({ token: RW, endpoint: hetzner.url }).listSshKeys({})).toEqual([]);
    const health = await fetch(`${lab!.masterUrl}/healthz`);
    expect(((await health.json()) as { ok: boolean }).ok).toBe(true);
  });

  it('when init runs again after the backup key was put on the box, then the plan is empty, the box answers and neither fake records a write', async () => {
    // the operator ran the printed install-ssh-key command
    const uid = box.uidOf('u123456');
    mkdirSync(join(box.root, '.ssh'), { mode: 0o700 });
    writeFileSync(join(box.root, '.ssh', 'authorized_keys'), readFileSync(join(keyDir, 'backup.key.pub')), {
      mode: 0o600,
    });
    chownSync(join(box.root, '.ssh'), uid, uid);
    chownSync(join(box.root, '.ssh', 'authorized_keys'), uid, uid);
    const ghBefore = github.calls().length;
    const hzBefore = hetzner.calls().length;
    const again = await init();
    expect(again.code).toBe(0);
    expect(again.report.plan.filter((s) => s.action !== 'keep')).toEqual([]);
    expect(again.report.changed).toEqual([]);
    expect(again.report.master?.healthy).toBe(true);
    expect(again.report.storageBox?.probe).toBe('ok');
    expect(again.stderr).toContain(
      `Storage Box u123456@u123456.your-storagebox.de:23 answers over SFTP with ${join(keyDir, 'backup.key')}`,
    );
    expect(
      github
        .calls()
        .slice(ghBefore)
        .filter((c) => c.method !== 'GET'),
    ).toEqual([]);
    expect(
      hetzner
        .calls()
        .slice(hzBefore)
        .filter((c) => c.method !== 'GET'),
    ).toEqual([]);
    expect(installs).toHaveLength(1);
    expect(again.report.next).toEqual([]);
    expect(github.state.dispatches).toHaveLength(1);
  });
});
