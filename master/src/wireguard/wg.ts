import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { peersInConfig, stripWgQuick, withLiveInterfaceKeys, withoutPeer, withPeer } from './config-file.ts';
import { parseWgDump } from './dump.ts';
import type { PeerManager, WgPeer } from './peers.ts';
import type { CommandRunner } from './runner.ts';
import { processRunner } from './runner.ts';
import { checkAllowedIp, checkInterfaceName, checkPublicKey } from './validate.ts';

export interface WgPeerManagerOptions {
  /** The master's WireGuard interface, e.g. `wg0`. */
  iface: string;
  /**
   * The persisted file, e.g. `/etc/wireguard/wg0.conf`: a wg-quick file, or a peers-only file
   * (`[Peer]` sections). wg-quick needs the name to be `<name>.conf`.
   */
  configPath: string;
  /** Run every `wg` command inside this network namespace (tests). */
  netns?: string;
  runner?: CommandRunner;
  /**
   * How the file is stripped of wg-quick's own keys before `wg syncconf`: by `wg-quick strip`
   * (which insists on root) or by supafleet's own equivalent. Default: wg-quick when running
   * as root, builtin otherwise.
   */
  strip?: 'wg-quick' | 'builtin';
}

/** The real peer manager, plus `start` to apply the persisted file (done lazily otherwise). */
export interface WgPeerManager extends PeerManager {
  /** Applies the persisted file (`wg syncconf` of `wg-quick strip <file>`), keeping live sessions. */
  start(): Promise<void>;
}

/** Writes a file atomically with mode 0600: a temp file in the same directory, fsync, rename. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.chmod(0o600);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * The master's peers through `wg`: `wg set` changes the live interface at once, and the
 * wg-quick file is rewritten alongside so `start` (`wg syncconf` of `wg-quick strip <file>`)
 * brings the same peers back after a restart. Calls are serialised; the first call applies the
 * file if `start` was not called.
 */
export function createWgPeerManager(options: WgPeerManagerOptions): WgPeerManager {
  const { iface, configPath, netns } = options;
  checkInterfaceName(iface);
  if (!isAbsolute(configPath) || !/(^|\/)[a-zA-Z0-9_=+.-]{1,15}\.conf$/.test(configPath)) {
    throw new Error(
      `WireGuard config path "${configPath}" is invalid: expected an absolute path ending in <name>.conf`,
    );
  }
  if (netns !== undefined && !/^[a-zA-Z0-9_.-]{1,64}$/.test(netns)) {
    throw new Error(
      `network namespace "${netns}" is invalid: expected 1-64 characters of a-z, A-Z, 0-9 and _.-`,
    );
  }
  const runner = options.runner ?? processRunner();
  const strip = options.strip ?? (process.getuid?.() === 0 ? 'wg-quick' : 'builtin');

  const wg = (args: string[]): Promise<{ stdout: string; stderr: string }> =>
    netns === undefined ? runner.run('wg', args) : runner.run('ip', ['netns', 'exec', netns, 'wg', ...args]);

  const readConfig = async (): Promise<string> => {
    try {
      return await readFile(configPath, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(
        `WireGuard config ${configPath} cannot be read (${code ?? 'error'}): expected the wg-quick file (or peers file) of interface ${iface}`,
        { cause: err },
      );
    }
  };

  // One operation at a time: each reads, edits and writes the file.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  const applyFile = async (): Promise<void> => {
    const text = await readConfig();
    // `wg-quick strip` drops the wg-quick-only keys (Address, DNS, PostUp, ...). `wg syncconf`
    // replaces the whole interface, so the live private key, port and fwmark fill in whatever the
    // file keeps elsewhere (a PostUp that sets the key from its own file, or a peers-only file).
    const stripped =
      strip === 'wg-quick'
        ? (await runner.run('wg-quick', ['strip', configPath])).stdout
        : stripWgQuick(text);
    const live = (await wg(['showconf', iface])).stdout;
    const config = withLiveInterfaceKeys(stripped, live);
    // The result holds the private key: it goes to a 0600 file beside the config (Node's stdio
    // pipes are sockets, which `wg` cannot open as /dev/stdin) and is deleted right after.
    const path = join(dirname(configPath), `.${iface}.${randomBytes(6).toString('hex')}.sync`);
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(config, 'utf8');
      await handle.close();
      await wg(['syncconf', iface, path]);
    } finally {
      await handle.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
    }
  };

  let started: Promise<void> | null = null;
  const ensureStarted = (): Promise<void> => {
    if (!started) {
      started = applyFile().catch((err: unknown) => {
        started = null;
        throw err;
      });
    }
    return started;
  };

  return {
    start: () => serial(ensureStarted),

    add: (peer) =>
      serial(async () => {
        checkPublicKey(peer.publicKey);
        checkAllowedIp(peer.allowedIp);
        await ensureStarted();
        const text = await readConfig();
        const next = withPeer(text, peer);
        if (next !== text) await writeFileAtomic(configPath, next);
        await wg(['set', iface, 'peer', peer.publicKey, 'allowed-ips', peer.allowedIp]);
      }),

    remove: (publicKey) =>
      serial(async () => {
        checkPublicKey(publicKey);
        await ensureStarted();
        // Live first: traffic from the peer stops before anything else happens.
        await wg(['set', iface, 'peer', publicKey, 'remove']);
        const text = await readConfig();
        const next = withoutPeer(text, publicKey);
        if (next !== text) await writeFileAtomic(configPath, next);
      }),

    list: () =>
      serial(async (): Promise<WgPeer[]> => {
        await ensureStarted();
        const { stdout } = await wg(['show', iface, 'dump']);
        return parseWgDump(stdout);
      }),

    publicKey: () =>
      serial(async () => {
        await ensureStarted();
        const { stdout } = await wg(['show', iface, 'public-key']);
        const key = stdout.trim();
        checkPublicKey(key);
        return key;
      }),
  };
}

/** The peers the persisted file declares (what a restart brings back). */
export async function persistedPeers(
  configPath: string,
): Promise<{ publicKey: string; allowedIps: string[] }[]> {
  return peersInConfig(await readFile(configPath, 'utf8'));
}
