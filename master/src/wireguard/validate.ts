/** Checks of the values a peer manager accepts; messages name the value and what is expected. */

const PUBLIC_KEY_RE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const HOST32_RE = new RegExp(`^${OCTET}(\\.${OCTET}){3}/32$`);

/** Throws unless `key` is a WireGuard public key (base64 of 32 bytes, 44 characters). */
export function checkPublicKey(key: string): void {
  if (typeof key !== 'string' || !PUBLIC_KEY_RE.test(key)) {
    throw new Error(
      `WireGuard public key "${String(key)}" is invalid: expected base64 of 32 bytes (44 characters ending in "=")`,
    );
  }
}

/** Throws unless `ip` is one IPv4 address with /32, as a worker's allowed IP. */
export function checkAllowedIp(ip: string): void {
  if (typeof ip !== 'string' || !HOST32_RE.test(ip)) {
    throw new Error(
      `WireGuard allowed IP "${String(ip)}" is invalid: expected one IPv4 address with /32, e.g. 10.100.0.2/32`,
    );
  }
}

/** Throws unless `name` can be a Linux interface name that wg-quick accepts. */
export function checkInterfaceName(name: string): void {
  if (!/^[a-zA-Z0-9_=+.-]{1,15}$/.test(name)) {
    throw new Error(
      `WireGuard interface "${name}" is invalid: expected 1-15 characters of a-z, A-Z, 0-9 and _=+.-`,
    );
  }
}
