/**
 * WireGuard address allocation inside the fleet's network CIDR. The network
 * address and the broadcast address are never handed out, the first host is the
 * master, and workers get the lowest free address after it. Pure.
 */
export interface Cidr {
  readonly network: number;
  readonly prefix: number;
  readonly text: string;
}

/** No free address is left in the network. */
export class CidrFullError extends Error {
  override readonly name = 'CidrFullError';
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`"${ip}" is not an IPv4 address; expected four numbers 0-255 joined by dots`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string): Cidr {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text);
  const prefix = m ? Number(m[2]) : NaN;
  if (!m || prefix < 8 || prefix > 30) {
    throw new Error(`"${text}" is not an IPv4 CIDR with a prefix of 8-30 bits; expected e.g. 10.100.0.0/24`);
  }
  const addr = ipToInt(m[1]!);
  const size = 2 ** (32 - prefix);
  if (addr % size !== 0) {
    throw new Error(
      `"${text}" has host bits set; expected the network address ${intToIp(addr - (addr % size))}/${prefix}`,
    );
  }
  return { network: addr, prefix, text };
}

/** The master's own address: the first host of the network. */
export function masterAddress(cidr: Cidr): string {
  return intToIp(cidr.network + 1);
}

/** How many worker addresses the network holds. */
export function workerCapacity(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix) - 3;
}

/** The lowest free worker address; throws CidrFullError when none is left. */
export function nextFreeAddress(cidr: Cidr, used: Iterable<string>): string {
  const taken = new Set<number>();
  for (const ip of used) taken.add(ipToInt(ip));
  const last = cidr.network + 2 ** (32 - cidr.prefix) - 2;
  for (let n = cidr.network + 2; n <= last; n++) {
    if (!taken.has(n)) return intToIp(n);
  }
  throw new CidrFullError(
    `the WireGuard network ${cidr.text} is full: all ${workerCapacity(cidr)} worker addresses are taken; ` +
      'delete a project or choose a larger network.cidr in fleet.yaml',
  );
}
