/**
 * Checks for values that land in places where only a narrow format is safe (a user
 * name in sshd_config, a cron schedule in a crontab, an address in a WireGuard or
 * Caddy file). Free-text values never need these: they travel as JSON or YAML data.
 * Each error names the field and what is expected, and never echoes a secret.
 */

function fail(field: string, value: string, expected: string): never {
  throw new Error(`${field}: ${JSON.stringify(value)} is not valid; expected ${expected}`);
}

export function posixUser(field: string, value: string): string {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(value) || value === 'root') {
    fail(
      field,
      value,
      'a POSIX user name (lowercase letters, digits, _ and -, at most 32 characters, not root)',
    );
  }
  return value;
}

export function hostname(field: string, value: string): string {
  const label = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
  if (value.length > 253 || !new RegExp(`^${label}(\\.${label})+$`).test(value)) {
    fail(field, value, 'a lowercase DNS name such as example.com');
  }
  return value;
}

export function dnsLabel(field: string, value: string): string {
  if (!/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value)) fail(field, value, 'a lowercase DNS label');
  return value;
}

export function email(field: string, value: string): string {
  if (!/^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(value))
    fail(field, value, 'an e-mail address');
  return value;
}

/** A base64 X25519 / WireGuard key: 32 bytes, 44 characters ending in `=`. */
export function wgKey(field: string, value: string): string {
  if (!/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(value)) fail(field, '[key]', 'a base64 key of 32 bytes');
  return value;
}

/** A token made of URL-safe characters only (enrollment tokens). Not echoed: it is a credential. */
export function urlSafeToken(field: string, value: string): string {
  if (!/^[A-Za-z0-9_-]{20,200}$/.test(value)) {
    throw new Error(`${field}: expected 20-200 characters from A-Z a-z 0-9 _ -`);
  }
  return value;
}

/** One line of an OpenSSH authorized_keys file: key type, base64 body, optional comment. */
export function sshPublicKey(field: string, value: string): string {
  if (
    !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n\r\0]{0,200})?$/.test(
      value,
    )
  ) {
    fail(field, value, 'one OpenSSH public key line ("ssh-ed25519 AAAA... comment")');
  }
  return value;
}

/** A five-field cron schedule: numbers, month and weekday names, `*`, `,`, `-` and `/` only. */
export function cronSchedule(field: string, value: string): string {
  const atom = '(\\*|[0-9a-z]{1,3}(-[0-9a-z]{1,3})?)(\\/\\d{1,2})?';
  const fieldRe = new RegExp(`^${atom}(,${atom})*$`);
  const parts = value.split(' ');
  if (parts.length !== 5 || !parts.every((p) => fieldRe.test(p))) {
    fail(field, value, 'a five-field cron schedule such as "0 3 * * *"');
  }
  return value;
}

/** An https URL without whitespace or control characters. */
export function httpsUrl(field: string, value: string): string {
  let ok = false;
  try {
    ok = new URL(value).protocol === 'https:' && ![...value].some((c) => c <= ' ' || c === '\x7f');
  } catch {
    ok = false;
  }
  if (!ok) fail(field, value, 'an https URL');
  return value;
}

/** An IPv4 network in CIDR form, /16 to /29. Returns its parts. */
export function ipv4Cidr(field: string, value: string): { base: number; prefix: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : NaN;
  if (!m || octets.some((o) => o > 255) || prefix < 16 || prefix > 29) {
    fail(field, value, 'an IPv4 CIDR from /16 to /29 such as 10.100.0.0/24');
  }
  const base =
    (((octets[0] as number) << 24) |
      ((octets[1] as number) << 16) |
      ((octets[2] as number) << 8) |
      (octets[3] as number)) >>>
    0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (base & mask) >>> 0, prefix };
}

export function ipv4ToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The master's wg address: the network's first host address. */
export function masterWgAddress(cidr: string): string {
  return ipv4ToString(ipv4Cidr('network.cidr', cidr).base + 1);
}

/** A plain IPv4 address inside the given network. */
export function ipv4InCidr(field: string, value: string, cidr: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  const { base, prefix } = ipv4Cidr('network.cidr', cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255)) fail(field, value, `an IPv4 address in ${cidr}`);
  const n = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - prefix);
  if (n <= base || n >= base + size - 1) fail(field, value, `a host address in ${cidr}`);
  return value;
}
