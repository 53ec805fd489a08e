import { createPublicKey, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CommandError } from '../../master/src/wireguard/runner.ts';

/**
 * One WireGuard interface as `wg` (wireguard-tools v1.0.20210914, Debian 12) shows and sets it
 * on a wireguard-go 0.0.20220316 device. Only `wg set` and `wg show <if> dump|public-key` are
 * modelled; each behaviour and its source is in CONFORMANCE.md beside this file.
 */
interface Peer {
  readonly publicKey: string;
  presharedKey: string | null;
  endpoint: string | null;
  /** Masked prefixes in the order they were inserted. */
  allowedIps: string[];
  latestHandshake: number;
  rx: number;
  tx: number;
  keepalive: number;
}

/** The 44-character base64 of a key: `key_from_base64` (encoding.c) in one expression. */
const KEY_RE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** The public key of a WireGuard private key (x25519). */
export function wgPublicKey(privateKey: string): string {
  // PKCS#8 of an X25519 key (RFC 8410): a fixed 16-byte prefix, then the 32 raw bytes.
  const der = Buffer.concat([
    Buffer.from('302e020100300506032b656e04220420', 'hex'),
    Buffer.from(privateKey, 'base64'),
  ]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url').toString('base64');
}

/** `wg` failed: stderr and exit 1, as `wg` prints and exits. */
class WgFailure extends Error {
  constructor(readonly stderr: string) {
    super(stderr.trim());
  }
}

function parseKey(value: string): string {
  if (!KEY_RE.test(value)) throw new WgFailure(`Key is not the correct length or format: \`${value}'\n`);
  return value;
}

/** `parse_keyfile`: 44 characters, then only white space; an empty file is the zero key. */
function parseKeyFile(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (err) {
    throw new WgFailure(`fopen: ${(err as NodeJS.ErrnoException).code ?? 'error'}\n`);
  }
  if (text.length === 0) return null;
  if (text.length < 44) throw new WgFailure('Invalid length key in key file\n');
  const trailing = /\S/.exec(text.slice(44));
  if (trailing) throw new WgFailure(`Found trailing character in key file: \`${trailing[0]}'\n`);
  return parseKey(text.slice(0, 44));
}

function ipv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return null;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

function ipv4Text(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/**
 * `parse_allowedips` (config.c): comma-separated `ip[/cidr]`, /32 when the mask is absent;
 * wireguard-go stores the prefix masked (`maskSelf`). IPv6 is not modelled.
 */
function parseAllowedIps(value: string, warnings: string[]): string[] {
  const line = value.replace(/\s/g, '');
  if (line === '') return [];
  return line.split(',').map((entry) => {
    const [ip, mask] = entry.split('/') as [string, string | undefined];
    if (ip.includes(':')) throw new Error('the WireGuard fake does not model IPv6 allowed IPs');
    const addr = ipv4(ip);
    if (addr === null) throw new WgFailure(`Unable to parse IP address: \`${ip}'\n`);
    let cidr = 32;
    if (mask !== undefined) {
      if (!/^\d+$/.test(mask) || Number(mask) > 32)
        throw new WgFailure(`AllowedIP is not in the correct format: \`${entry}'\n`);
      cidr = Number(mask);
    }
    const netmask = cidr === 0 ? 0 : (~0 << (32 - cidr)) >>> 0;
    if ((addr & ~netmask) >>> 0 !== 0)
      warnings.push(`Warning: AllowedIP has nonzero host part: ${ip}/${mask ?? ''}\n`);
    return `${ipv4Text((addr & netmask) >>> 0)}/${cidr}`;
  });
}

function parseEndpoint(value: string): string {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(value);
  if (!m || ipv4(m[1]!) === null || Number(m[2]) > 65535)
    throw new Error('the WireGuard fake models only numeric IPv4 endpoints (ip:port)');
  return `${m[1]}:${Number(m[2])}`;
}

function parseKeepalive(value: string): number {
  if (value.toLowerCase() === 'off') return 0;
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new WgFailure(`Persistent keepalive interval is neither 0/off nor 1-65535: \`${value}'\n`);
  return Number(value);
}

/** One step of a `wg set` command line, after it was parsed whole. */
type Step =
  | { kind: 'listen-port'; port: number }
  | { kind: 'private-key'; key: string | null }
  | {
      kind: 'peer';
      key: string;
      remove: boolean;
      psk?: string | null;
      endpoint?: string;
      keepalive?: number;
      allowed?: string[];
    };

export interface FakeWgOptions {
  readonly iface: string;
  readonly privateKey?: string;
  readonly listenPort?: number;
}

/**
 * A fake `wg` for one interface: `run('wg', args)` answers as the real command does (stdout,
 * or a `CommandError` with its stderr and exit 1), so it can stand where a `CommandRunner` runs
 * `wg`. Tests may simulate a handshake and traffic with `simulateHandshake`.
 */
export class FakeWg {
  readonly iface: string;
  #privateKey: string | null;
  #listenPort: number;
  readonly #peers = new Map<string, Peer>();

  constructor(options: FakeWgOptions) {
    this.iface = options.iface;
    this.#privateKey = options.privateKey === undefined ? null : parseKey(options.privateKey);
    this.#listenPort = options.listenPort ?? 0;
  }

  get publicKey(): string | null {
    return this.#privateKey === null ? null : wgPublicKey(this.#privateKey);
  }

  async run(command: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
    if (command !== 'wg') throw new Error(`the WireGuard fake runs only wg, not ${command}`);
    try {
      return this.#wg(args);
    } catch (err) {
      if (err instanceof WgFailure) throw new CommandError('wg', args, 1, err.stderr);
      throw err;
    }
  }

  #wg(args: readonly string[]): { stdout: string; stderr: string } {
    const [sub, iface, ...rest] = args;
    if (iface !== this.iface) throw new WgFailure('Unable to access interface: No such device\n');
    if (sub === 'show' && rest.length === 1 && rest[0] === 'dump') return { stdout: this.dump(), stderr: '' };
    if (sub === 'show' && rest.length === 1 && rest[0] === 'public-key')
      return { stdout: `${this.publicKey ?? '(none)'}\n`, stderr: '' };
    if (sub === 'set') return { stdout: '', stderr: this.#set(rest) };
    throw new Error(`the WireGuard fake does not model wg ${args.join(' ')}`);
  }

  /** `config_read_cmd` (config.c): the whole line is parsed before anything is applied. */
  #set(argv: readonly string[]): string {
    const warnings: string[] = [];
    const steps: Step[] = [];
    let peer: Extract<Step, { kind: 'peer' }> | null = null;
    for (let i = 0; i < argv.length;) {
      const a = argv[i]!;
      const v = argv[i + 1];
      if (a === 'listen-port' && v !== undefined && !peer) {
        if (!/^\d+$/.test(v) || Number(v) > 65535)
          throw new Error('the WireGuard fake models numeric ports only');
        steps.push({ kind: 'listen-port', port: Number(v) });
        i += 2;
      } else if (a === 'private-key' && v !== undefined && !peer) {
        steps.push({ kind: 'private-key', key: parseKeyFile(v) });
        i += 2;
      } else if (a === 'peer' && v !== undefined) {
        peer = { kind: 'peer', key: parseKey(v), remove: false };
        steps.push(peer);
        i += 2;
      } else if (a === 'remove' && peer) {
        peer.remove = true;
        i += 1;
      } else if (a === 'endpoint' && v !== undefined && peer) {
        peer.endpoint = parseEndpoint(v);
        i += 2;
      } else if (a === 'allowed-ips' && v !== undefined && peer) {
        peer.allowed = [...(peer.allowed ?? []), ...parseAllowedIps(v, warnings)];
        i += 2;
      } else if (a === 'persistent-keepalive' && v !== undefined && peer) {
        peer.keepalive = parseKeepalive(v);
        i += 2;
      } else if (a === 'preshared-key' && v !== undefined && peer) {
        peer.psk = parseKeyFile(v);
        i += 2;
      } else {
        throw new WgFailure(`Invalid argument: ${a}\n`);
      }
    }
    for (const step of steps) this.#apply(step);
    return warnings.join('');
  }

  #apply(step: Step): void {
    if (step.kind === 'listen-port') {
      this.#listenPort = step.port;
      return;
    }
    if (step.kind === 'private-key') {
      this.#privateKey = step.key;
      // A peer with the interface's own public key is dropped (device.SetPrivateKey).
      const own = this.publicKey;
      if (own !== null) this.#peers.delete(own);
      return;
    }
    // A peer with the interface's own public key is ignored (uapi.go handlePublicKeyLine).
    if (step.key === this.publicKey) return;
    if (step.remove) {
      this.#peers.delete(step.key);
      return;
    }
    let p = this.#peers.get(step.key);
    if (!p) {
      p = {
        publicKey: step.key,
        presharedKey: null,
        endpoint: null,
        allowedIps: [],
        latestHandshake: 0,
        rx: 0,
        tx: 0,
        keepalive: 0,
      };
      this.#peers.set(step.key, p);
    }
    if (step.psk !== undefined) p.presharedKey = step.psk;
    if (step.endpoint !== undefined) p.endpoint = step.endpoint;
    if (step.keepalive !== undefined) p.keepalive = step.keepalive;
    if (step.allowed !== undefined) {
      // replace_allowed_ips, then each allowed_ip: a prefix another peer holds moves here.
      p.allowedIps = [];
      for (const prefix of step.allowed) {
        for (const other of this.#peers.values())
          other.allowedIps = other.allowedIps.filter((x) => x !== prefix);
        p.allowedIps.push(prefix);
      }
    }
  }

  /** `dump_print` (show.c): the interface line, then one tab-separated line per peer. */
  dump(): string {
    const lines = [
      [this.#privateKey ?? '(none)', this.publicKey ?? '(none)', String(this.#listenPort), 'off'].join('\t'),
    ];
    for (const p of this.#peers.values()) {
      lines.push(
        [
          p.publicKey,
          p.presharedKey ?? '(none)',
          p.endpoint ?? '(none)',
          p.allowedIps.length > 0 ? p.allowedIps.join(',') : '(none)',
          String(p.latestHandshake),
          String(p.rx),
          String(p.tx),
          p.keepalive > 0 ? String(p.keepalive) : 'off',
        ].join('\t'),
      );
    }
    return `${lines.join('\n')}\n`;
  }

  /** Test helper: the peer completed a handshake at `seconds` (unix) from `endpoint`. */
  simulateHandshake(
    publicKey: string,
    seconds: number,
    endpoint?: string,
    traffic?: { rx: number; tx: number },
  ): void {
    const p = this.#peers.get(publicKey);
    if (!p) throw new Error(`peer "${publicKey}" is not present in the fake`);
    p.latestHandshake = seconds;
    if (endpoint !== undefined) p.endpoint = parseEndpoint(endpoint);
    if (traffic) {
      p.rx += traffic.rx;
      p.tx += traffic.tx;
    }
  }
}
