import { quote } from '../errors.ts';

/** Smallest and largest WireGuard networks: /16 (65,534 hosts) to /29 (6 hosts). */
export const MIN_PREFIX = 16;
export const MAX_PREFIX = 29;

const PRIVATE_BLOCKS: readonly { readonly base: number; readonly prefix: number; readonly text: string }[] = [
  { base: ip(10, 0, 0, 0), prefix: 8, text: '10.0.0.0/8' },
  { base: ip(172, 16, 0, 0), prefix: 12, text: '172.16.0.0/12' },
  { base: ip(192, 168, 0, 0), prefix: 16, text: '192.168.0.0/16' },
];

function ip(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function dotted(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** An IPv4 network parsed from CIDR notation. */
export interface Ipv4Network {
  readonly address: number;
  readonly prefix: number;
}

/** Parses `a.b.c.d/n` strictly (no leading zeros), or undefined. */
export function parseCidr(value: string): Ipv4Network | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (m.slice(1).some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
  if (parts.slice(0, 4).some((o) => o > 255) || parts[4]! > 32) return undefined;
  return { address: ip(parts[0]!, parts[1]!, parts[2]!, parts[3]!), prefix: parts[4]! };
}

/**
 * Why `value` is not a usable WireGuard network: IPv4 CIDR, /16 to /29, inside
 * a private range, written with its network address. Undefined when it is.
 */
export function cidrProblem(value: string): string | undefined {
  const net = parseCidr(value);
  if (!net) return `${quote(value)} is not an IPv4 CIDR; expected a network such as 10.100.0.0/24`;
  if (net.prefix < MIN_PREFIX || net.prefix > MAX_PREFIX) {
    return `${quote(value)} is a /${net.prefix} network; expected a prefix from /${MIN_PREFIX} to /${MAX_PREFIX}`;
  }
  const inside = PRIVATE_BLOCKS.some(
    (b) => net.prefix >= b.prefix && (net.address & mask(b.prefix)) >>> 0 === b.base,
  );
  if (!inside) {
    return `${quote(value)} is not a private network; expected one inside ${PRIVATE_BLOCKS.map((b) => b.text).join(', ')}`;
  }
  const network = (net.address & mask(net.prefix)) >>> 0;
  if (network !== net.address) {
    return `${quote(value)} has host bits set; expected the network address ${dotted(network)}/${net.prefix}`;
  }
  return undefined;
}
