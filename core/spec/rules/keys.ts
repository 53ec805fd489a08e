import { quote } from '../errors.ts';

const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/;

/** Why `value` is not a seal public key (base64 of 32 bytes, as `supafleet keygen` prints), or undefined. */
export function sealPublicKeyProblem(value: string): string | undefined {
  return BASE64_32_BYTES.test(value)
    ? undefined
    : `${quote(value)} is not a seal public key; expected 44 characters of base64 (32 bytes), as printed by supafleet keygen`;
}

/** OpenSSH public key types supafleet accepts. */
export const SSH_KEY_TYPES: readonly string[] = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];

/**
 * Why `value` is not an OpenSSH public key line (`<type> <base64> [comment]`),
 * or undefined. The key blob must decode and name the same type as the line.
 */
export function sshPublicKeyProblem(value: string): string | undefined {
  const expected = 'expected an OpenSSH public key such as "ssh-ed25519 AAAAC3Nza... ops@example.com"';
  if (/PRIVATE KEY/.test(value)) {
    return `this is a private key; ${expected} (the contents of the .pub file)`;
  }
  const [type, blob] = value.trim().split(/\s+/);
  if (type === undefined || !SSH_KEY_TYPES.includes(type)) {
    return `${quote(type ?? '', 40)} is not a known key type; ${expected} (types: ${SSH_KEY_TYPES.join(', ')})`;
  }
  if (blob === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || blob.length % 4 !== 0) {
    return `the ${type} key has no base64 key data; ${expected}`;
  }
  // atob rather than Buffer: the console's New project page runs these rules in the browser.
  // Each character of its result is one byte (latin1).
  const bytes = atob(blob);
  const nameLength =
    bytes.length >= 4
      ? ((bytes.charCodeAt(0) << 24) >>> 0) +
        (bytes.charCodeAt(1) << 16) +
        (bytes.charCodeAt(2) << 8) +
        bytes.charCodeAt(3)
      : -1;
  const name = nameLength > 0 && 4 + nameLength <= bytes.length ? bytes.slice(4, 4 + nameLength) : '';
  if (name !== type) {
    return `the key data does not hold a ${type} key; ${expected}`;
  }
  if (type === 'ssh-ed25519' && bytes.length !== 51) {
    return `the ssh-ed25519 key data has ${bytes.length} bytes; expected 51`;
  }
  return undefined;
}
