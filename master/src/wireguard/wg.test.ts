import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { peersInConfig } from './config-file.ts';
import type { RecordedCommand } from './runner.ts';
import { recordingRunner } from './runner.ts';
import { createWgPeerManager } from './wg.ts';

const PRIVATE = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const MASTER = 'HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=';
const K1 = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const K2 = 'TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=';
const BASE = `[Interface]\nAddress = 10.100.0.1/24\nListenPort = 51820\nPrivateKey = ${PRIVATE}\n`;

/** Answers like wg and wg-quick would for a config file on disk. */
function wgLike(configPath: string): (c: RecordedCommand) => { stdout?: string } | undefined {
  return (c) => {
    const args = c.command === 'ip' ? c.args.slice(4) : c.args;
    const tool = c.command === 'ip' ? c.args[3] : c.command;
    if (c.command === 'wg-quick' && c.args[0] === 'strip') {
      // What wg-quick strip prints: the file without wg-quick's own keys.
      return { stdout: BASE.replace(/^Address.*\n/m, '') + `\n# from ${configPath}\n` };
    }
    if (tool === 'wg' && args[0] === 'show' && args[2] === 'dump') {
      return {
        stdout: `${PRIVATE}\t${MASTER}\t51820\toff\n${K1}\t(none)\t(none)\t10.100.0.2/32\t0\t0\t0\toff\n`,
      };
    }
    if (tool === 'wg' && args[0] === 'show' && args[2] === 'public-key') return { stdout: `${MASTER}\n` };
    if (tool === 'wg' && args[0] === 'showconf') {
      return {
        stdout: `[Interface]\nListenPort = 51820\nPrivateKey = ${PRIVATE}\n\n[Peer]\nPublicKey = ${K2}\n`,
      };
    }
    return undefined;
  };
}

/** A call as text, the syncconf temp file shown as <stripped>. */
const line = (c: RecordedCommand): string =>
  [c.command, ...c.args].join(' ').replace(/\S*\/\.[\w.-]+\.[0-9a-f]{12}\.sync$/, '<stripped>');

/** What `wg syncconf` was given to read (the temp file exists only during the call). */
function syncInputs(calls: RecordedCommand[]): string[] {
  return calls.filter((c) => c.args.includes('syncconf')).map((c) => c.stdin ?? '');
}

/** Wraps a responder so each syncconf call records the content of the file it was handed. */
function capturingSync(
  respond: (c: RecordedCommand) => { stdout?: string; stderr?: string; exitCode?: number } | undefined,
): (c: RecordedCommand) => { stdout?: string; stderr?: string; exitCode?: number } | undefined {
  return (c) => {
    if (c.args.includes('syncconf')) {
      const path = c.args[c.args.length - 1]!;
      c.stdin = readFileSync(path, 'utf8');
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
    return respond(c);
  };
}

describe('createWgPeerManager', () => {
  let dir: string;
  let configPath: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sfk-wg-unit-'));
    configPath = join(dir, 'wg0.conf');
    await writeFile(configPath, BASE, { mode: 0o600 });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('when first used, then it applies the persisted file: wg-quick strip, then wg syncconf of its output', async () => {
    const { runner, calls } = recordingRunner(capturingSync(wgLike(configPath)));
    const peers = createWgPeerManager({ strip: 'wg-quick', iface: 'wg0', configPath, runner });
    await peers.list();
    expect(calls.map(line)).toEqual([
      `wg-quick strip ${configPath}`,
      'wg showconf wg0',
      'wg syncconf wg0 <stripped>',
      'wg show wg0 dump',
    ]);
    const [input] = syncInputs(calls);
    expect(input).toContain(`PrivateKey = ${PRIVATE}`);
    expect(input).not.toContain('Address');
    // The stripped copy (it holds the private key) is gone once applied.
    expect(readdirSync(dir)).toEqual(['wg0.conf']);
  });

  it('when told to strip the file itself, then no wg-quick runs and wg syncconf gets the same stripped text', async () => {
    const { runner, calls } = recordingRunner(capturingSync(wgLike(configPath)));
    await createWgPeerManager({ strip: 'builtin', iface: 'wg0', configPath, runner }).start();
    expect(calls.map(line)).toEqual(['wg showconf wg0', 'wg syncconf wg0 <stripped>']);
    expect(syncInputs(calls)).toEqual([`[Interface]\nListenPort = 51820\nPrivateKey = ${PRIVATE}\n\n`]);
  });

  it('when the file keeps no private key (a PostUp sets it), then syncconf gets the live key so it is not wiped', async () => {
    await writeFile(
      configPath,
      '[Interface]\nAddress = 10.100.0.1/24\nListenPort = 51820\nPostUp = wg set %i private-key /etc/wireguard/wg0.key\n',
    );
    const { runner, calls } = recordingRunner(capturingSync(wgLike(configPath)));
    const peers = createWgPeerManager({ strip: 'builtin', iface: 'wg0', configPath, runner });
    await peers.add({ publicKey: K1, allowedIp: '10.100.0.2/32' });
    expect(syncInputs(calls)).toEqual([`[Interface]\nPrivateKey = ${PRIVATE}\nListenPort = 51820\n\n`]);
    expect(await readFile(configPath, 'utf8')).not.toContain(PRIVATE);
  });

  it('when the file holds only peers, then it is accepted and the interface keys come from the live interface', async () => {
    await writeFile(configPath, '');
    const { runner, calls } = recordingRunner(capturingSync(wgLike(configPath)));
    const peers = createWgPeerManager({ strip: 'builtin', iface: 'wg0', configPath, runner });
    await peers.add({ publicKey: K1, allowedIp: '10.100.0.2/32' });
    expect(await readFile(configPath, 'utf8')).toBe(
      `[Peer]\nPublicKey = ${K1}\nAllowedIPs = 10.100.0.2/32\n`,
    );
    expect(syncInputs(calls)).toEqual([`[Interface]\nPrivateKey = ${PRIVATE}\nListenPort = 51820\n\n`]);
  });

  it('when a peer is added, then it is set live and persisted (mode 0600); a second add leaves the file alone', async () => {
    const { runner, calls } = recordingRunner(wgLike(configPath));
    const peers = createWgPeerManager({ strip: 'wg-quick', iface: 'wg0', configPath, runner });
    await peers.start();
    calls.length = 0;
    await peers.add({ publicKey: K1, allowedIp: '10.100.0.2/32' });
    expect(calls.map(line)).toEqual([`wg set wg0 peer ${K1} allowed-ips 10.100.0.2/32`]);
    const text = await readFile(configPath, 'utf8');
    expect(peersInConfig(text)).toEqual([{ publicKey: K1, allowedIps: ['10.100.0.2/32'] }]);
    expect(text.startsWith(BASE)).toBe(true);
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);
    const before = await stat(configPath);
    await peers.add({ publicKey: K1, allowedIp: '10.100.0.2/32' });
    expect((await stat(configPath)).ino).toBe(before.ino);
    expect(calls).toHaveLength(2);
  });

  it('when a peer is removed, then it is removed live first and then from the file; removing again succeeds', async () => {
    const { runner, calls } = recordingRunner(wgLike(configPath));
    const peers = createWgPeerManager({ strip: 'wg-quick', iface: 'wg0', configPath, runner });
    await peers.add({ publicKey: K1, allowedIp: '10.100.0.2/32' });
    await peers.add({ publicKey: K2, allowedIp: '10.100.0.3/32' });
    calls.length = 0;
    await peers.remove(K1);
    await peers.remove(K1);
    expect(calls.map(line)).toEqual([`wg set wg0 peer ${K1} remove`, `wg set wg0 peer ${K1} remove`]);
    expect(peersInConfig(await readFile(configPath, 'utf8'))).toEqual([
      { publicKey: K2, allowedIps: ['10.100.0.3/32'] },
    ]);
  });

  it('when a namespace is given, then every wg command runs through ip netns exec', async () => {
    const { runner, calls } = recordingRunner(wgLike(configPath));
    const peers = createWgPeerManager({
      strip: 'wg-quick',
      iface: 'sfk1',
      configPath,
      netns: 'sfk1',
      runner,
    });
    await peers.add({ publicKey: K1, allowedIp: '10.100.0.2/32' });
    expect(calls.map(line)).toEqual([
      `wg-quick strip ${configPath}`,
      'ip netns exec sfk1 wg showconf sfk1',
      'ip netns exec sfk1 wg syncconf sfk1 <stripped>',
      `ip netns exec sfk1 wg set sfk1 peer ${K1} allowed-ips 10.100.0.2/32`,
    ]);
  });

  it('when listing and asking for the key, then wg show is parsed and the private key is nowhere in the result', async () => {
    const { runner } = recordingRunner(wgLike(configPath));
    const peers = createWgPeerManager({ strip: 'wg-quick', iface: 'wg0', configPath, runner });
    const list = await peers.list();
    expect(list).toEqual([
      { publicKey: K1, allowedIps: ['10.100.0.2/32'], endpoint: null, latestHandshake: null },
    ]);
    expect(await peers.publicKey()).toBe(MASTER);
    expect(JSON.stringify(list)).not.toContain(PRIVATE);
  });

  it('when 20 peers are added at once, then the file holds all 20 (calls are serialised)', async () => {
    const { runner } = recordingRunner(wgLike(configPath));
    const peers = createWgPeerManager({ strip: 'wg-quick', iface: 'wg0', configPath, runner });
    const keys = Array.from({ length: 20 }, (_, i) => Buffer.alloc(32, i + 1).toString('base64'));
    await Promise.all(keys.map((k, i) => peers.add({ publicKey: k, allowedIp: `10.100.0.${i + 2}/32` })));
    expect(
      peersInConfig(await readFile(configPath, 'utf8'))
        .map((p) => p.publicKey)
        .sort(),
    ).toEqual([...keys].sort());
  });

  it('when the manager restarts on the same file, then the file is applied again with every persisted peer', async () => {
    const first = recordingRunner(wgLike(configPath));
    await createWgPeerManager({ strip: 'wg-quick', iface: 'wg0', configPath, runner: first.runner }).add({
      publicKey: K1,
      allowedIp: '10.100.0.2/32',
    });
    const second = recordingRunner(
      capturingSync((c) =>
        c.command === 'wg-quick' ? { stdout: '[Interface]\nPrivateKey = K\nListenPort = 1\n' } : undefined,
      ),
    );
    await createWgPeerManager({ strip: 'wg-quick', iface: 'wg0', configPath, runner: second.runner }).start();
    expect(second.calls.map(line)).toEqual([
      `wg-quick strip ${configPath}`,
      'wg showconf wg0',
      'wg syncconf wg0 <stripped>',
    ]);
    expect(syncInputs(second.calls)).toEqual(['[Interface]\nPrivateKey = K\nListenPort = 1\n']);
    expect(peersInConfig(await readFile(configPath, 'utf8'))).toEqual([
      { publicKey: K1, allowedIps: ['10.100.0.2/32'] },
    ]);
  });

  it.each([
    [{ publicKey: 'nope', allowedIp: '10.100.0.2/32' }, 'WireGuard public key "nope" is invalid'],
    [{ publicKey: K1, allowedIp: '10.100.0.256/32' }, 'WireGuard allowed IP "10.100.0.256/32" is invalid'],
  ])('when adding %o, then it is refused before any command runs', async (peer, message) => {
    const { runner, calls } = recordingRunner(wgLike(configPath));
    await expect(
      createWgPeerManager({ strip: 'wg-quick', iface: 'wg0', configPath, runner }).add(peer),
    ).rejects.toThrow(message);
    expect(calls).toEqual([]);
  });

  it('when wg fails, then the error names the command and its stderr but never the private key, and the copy is deleted', async () => {
    const { runner } = recordingRunner((c) =>
      c.args[0] === 'syncconf'
        ? { exitCode: 1, stderr: 'Unable to modify interface: No such device' }
        : (wgLike(configPath)(c) ?? {}),
    );
    const err = await createWgPeerManager({ strip: 'wg-quick', iface: 'wg0', configPath, runner })
      .list()
      .catch((e: unknown) => e);
    expect(String(err)).toMatch(
      /wg syncconf wg0 \S+\.sync failed \(exit 1\): Unable to modify interface: No such device/,
    );
    expect(String(err) + JSON.stringify(err)).not.toContain(PRIVATE);
    expect(readdirSync(dir)).toEqual(['wg0.conf']);
  });

  it('when the first start fails, then the next call tries again', async () => {
    let fail = true;
    const { runner, calls } = recordingRunner((c) => {
      if (c.args[0] === 'syncconf' && fail) return { exitCode: 1 };
      return wgLike(configPath)(c);
    });
    const peers = createWgPeerManager({ strip: 'wg-quick', iface: 'wg0', configPath, runner });
    await expect(peers.list()).rejects.toThrow('syncconf');
    fail = false;
    await expect(peers.list()).resolves.toHaveLength(1);
    expect(calls.filter((c) => c.args[0] === 'syncconf')).toHaveLength(2);
  });

  it('when the config file is missing, then the error names the path and no command runs', async () => {
    const { runner, calls } = recordingRunner();
    const missing = join(dir, 'wg9.conf');
    await expect(
      createWgPeerManager({ strip: 'wg-quick', iface: 'wg9', configPath: missing, runner }).start(),
    ).rejects.toThrow(`WireGuard config ${missing} cannot be read (ENOENT)`);
    expect(calls).toEqual([]);
  });

  it.each([
    [
      { iface: 'this-name-is-too-long', configPath: '/etc/wireguard/wg0.conf' },
      'WireGuard interface "this-name-is-too-long" is invalid',
    ],
    [{ iface: 'wg0', configPath: 'wg0.conf' }, 'WireGuard config path "wg0.conf" is invalid'],
    [
      { iface: 'wg0', configPath: '/etc/wireguard/wg0.txt' },
      'expected an absolute path ending in <name>.conf',
    ],
    [
      { iface: 'wg0', configPath: '/etc/wireguard/wg0.conf', netns: 'a b' },
      'network namespace "a b" is invalid',
    ],
  ])('when the options are %o, then creating the manager throws', (options, message) => {
    expect(() => createWgPeerManager(options)).toThrow(message);
  });
});
