import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { access, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { absentTools, describeTools } from '../../../../test/support/tools.ts';
import { processRunner } from '../runner.ts';

/**
 * A WireGuard master and worker for integration tests: userspace wireguard-go in two network
 * namespaces the test creates, joined by a veth pair (master 192.168.231.1, worker
 * 192.168.231.2). The master's interface has its key, port 51820 and 10.100.0.1/24, as
 * `wg-quick up` would give it; the worker has 10.100.0.2/24. Everything is removed by `stop()`.
 */

/** Why the pair cannot run here (root and the Debian WireGuard tools), or null. */
export async function wgPairSkipReason(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  const absent = absentTools(['wireguard-go', 'wg', 'wg-quick', 'ip', 'ping']);
  return absent.length > 0 ? `needs ${describeTools(absent)}` : null;
}

/** A fresh x25519 key pair in WireGuard's base64. */
export function wgKeypair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const b64 = (s: string): string => Buffer.from(s, 'base64url').toString('base64');
  return {
    privateKey: b64(privateKey.export({ format: 'jwk' }).d!),
    publicKey: b64(publicKey.export({ format: 'jwk' }).x!),
  };
}

export interface WgPair {
  readonly nsMaster: string;
  readonly nsWorker: string;
  readonly ifMaster: string;
  readonly ifWorker: string;
  /** A temp dir of this pair (keys, logs); removed by stop(). */
  readonly dir: string;
  /** `<dir>/<ifMaster>.conf`: a wg-quick file whose PostUp sets the key from its own file. */
  readonly configPath: string;
  readonly master: { privateKey: string; publicKey: string };
  readonly worker: { privateKey: string; publicKey: string };
  /** Runs a command inside a namespace. */
  inNs(ns: string, ...args: string[]): Promise<{ stdout: string }>;
  /** (Re)configures the worker's side, which starts a fresh handshake on its next packet. */
  configureWorker(): Promise<void>;
  /** Pings the master's wg address from the worker; rejects when no reply comes within `deadline` s. */
  ping(count: number, deadline: number): Promise<unknown>;
  /** Kills the master's wireguard-go and brings the interface up again, without peers. */
  restartMasterInterface(): Promise<void>;
  stop(): Promise<void>;
}

/** Creates the namespaces, the veth pair and both interfaces (the master without peers). */
export async function startWgPair(): Promise<WgPair> {
  const run = processRunner({ timeoutMs: 20_000 });
  const id = randomBytes(3).toString('hex');
  const nsMaster = `sfk${id}`;
  const nsWorker = `sfw${id}`;
  const ifMaster = `sfk${id}`;
  const ifWorker = `sfw${id}`;
  const underlayMaster = '192.168.231.1';
  const master = wgKeypair();
  const worker = wgKeypair();
  const children: ChildProcess[] = [];
  const namespaces: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), `sfk${id}-`));
  const configPath = join(dir, `${ifMaster}.conf`);

  const inNs = (ns: string, ...args: string[]): Promise<{ stdout: string }> =>
    run.run('ip', ['netns', 'exec', ns, ...args]);

  /** Starts wireguard-go in the foreground inside `ns` and waits for its control socket. */
  async function startWireguardGo(ns: string, iface: string): Promise<ChildProcess> {
    const log = await open(join(dir, `${iface}.log`), 'a');
    const child = spawn('ip', ['netns', 'exec', ns, 'wireguard-go', '-f', iface], {
      stdio: ['ignore', log.fd, log.fd],
    });
    await log.close();
    children.push(child);
    for (let i = 0; i < 50; i++) {
      try {
        await access(`/var/run/wireguard/${iface}.sock`);
        return child;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`wireguard-go ${iface} did not create its socket within 5 s`);
  }

  async function stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  let masterChild: ChildProcess | null = null;
  /** What `wg-quick up` does on the master: the interface, its key (set by the file's PostUp), its address. */
  async function bringUpMaster(): Promise<void> {
    masterChild = await startWireguardGo(nsMaster, ifMaster);
    await inNs(
      nsMaster,
      'wg',
      'set',
      ifMaster,
      'private-key',
      join(dir, 'master.key'),
      'listen-port',
      '51820',
    );
    await run.run('ip', ['-n', nsMaster, 'addr', 'add', '10.100.0.1/24', 'dev', ifMaster]);
    await run.run('ip', ['-n', nsMaster, 'link', 'set', ifMaster, 'up']);
  }

  const stop = async (): Promise<void> => {
    for (const child of children) await stopChild(child).catch(() => undefined);
    for (const ns of namespaces) await run.run('ip', ['netns', 'del', ns]).catch(() => undefined);
    for (const iface of [ifMaster, ifWorker]) await rm(`/var/run/wireguard/${iface}.sock`, { force: true });
    await rm(dir, { recursive: true, force: true });
  };

  try {
    for (const ns of [nsMaster, nsWorker]) {
      await run.run('ip', ['netns', 'add', ns]);
      namespaces.push(ns);
      await run.run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    await run.run('ip', [
      'link',
      'add',
      `${nsMaster}v`,
      'netns',
      nsMaster,
      'type',
      'veth',
      'peer',
      'name',
      `${nsWorker}v`,
      'netns',
      nsWorker,
    ]);
    await run.run('ip', ['-n', nsMaster, 'addr', 'add', `${underlayMaster}/30`, 'dev', `${nsMaster}v`]);
    await run.run('ip', ['-n', nsWorker, 'addr', 'add', '192.168.231.2/30', 'dev', `${nsWorker}v`]);
    await run.run('ip', ['-n', nsMaster, 'link', 'set', `${nsMaster}v`, 'up']);
    await run.run('ip', ['-n', nsWorker, 'link', 'set', `${nsWorker}v`, 'up']);
    // The master's layout: the private key in its own file, set by a PostUp, never in the config.
    await writeFile(join(dir, 'master.key'), `${master.privateKey}\n`, { mode: 0o600 });
    await writeFile(
      configPath,
      `[Interface]\nAddress = 10.100.0.1/24\nListenPort = 51820\nPostUp = wg set %i private-key ${join(dir, 'master.key')}\n`,
      { mode: 0o600 },
    );
    await bringUpMaster();
    await startWireguardGo(nsWorker, ifWorker);
    await run.run('ip', ['-n', nsWorker, 'addr', 'add', '10.100.0.2/24', 'dev', ifWorker]);
    await run.run('ip', ['-n', nsWorker, 'link', 'set', ifWorker, 'up']);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    nsMaster,
    nsWorker,
    ifMaster,
    ifWorker,
    dir,
    configPath,
    master,
    worker,
    inNs,
    async configureWorker() {
      const keyFile = join(dir, 'worker.key');
      await writeFile(keyFile, `${worker.privateKey}\n`, { mode: 0o600 });
      await inNs(nsWorker, 'wg', 'set', ifWorker, 'peer', master.publicKey, 'remove');
      await inNs(
        nsWorker,
        'wg',
        'set',
        ifWorker,
        'private-key',
        keyFile,
        'peer',
        master.publicKey,
        'allowed-ips',
        '10.100.0.0/24',
        'endpoint',
        `${underlayMaster}:51820`,
        'persistent-keepalive',
        '5',
      );
    },
    ping: (count, deadline) =>
      inNs(
        nsWorker,
        'ping',
        '-n',
        '-c',
        String(count),
        '-i',
        '0.2',
        '-W',
        '1',
        '-w',
        String(deadline),
        '10.100.0.1',
      ),
    async restartMasterInterface() {
      if (masterChild) await stopChild(masterChild);
      await bringUpMaster();
    },
    stop,
  };
}
