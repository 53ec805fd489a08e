import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { hsalsa, secretbox } from '@noble/ciphers/salsa.js';
import { blake2b } from '@noble/hashes/blake2.js';

/**
 * Opens what the master seals to a worker (libsodium's `crypto_box_seal`:
 * an ephemeral X25519 public key, then XSalsa20-Poly1305 of the plaintext
 * under the X25519 shared secret, nonce = BLAKE2b-192(ephemeral pk ‖ worker pk)).
 *
 * The X25519 exchange is node:crypto's; BLAKE2b and XSalsa20-Poly1305, which
 * node:crypto lacks, come from the audited pure-JS noble libraries. Doing it
 * here instead of loading libsodium (a WebAssembly module and its compilers)
 * keeps the idle agent several MB smaller. Every function is pure.
 */

/** Why a box could not be opened; the message never contains key or plaintext bytes. */
export const OPEN_FAILED = 'cannot open the sealed data: it was sealed to another key or altered';

const KEY_BYTES = 32;
const MAC_BYTES = 16;
const NONCE_BYTES = 24;

/**
 * Opens a base64 sealed box with a base64 X25519 private key (32 bytes).
 * Throws an Error naming what is wrong: a malformed key, or OPEN_FAILED.
 */
export function openSealed(sealedB64: string, privateKeyB64: string): Uint8Array {
  const sk = decodeKey(privateKeyB64);
  return openSealedBox(Buffer.from(sealedB64, 'base64'), sk);
}

/** Opens a sealed box (`ephemeral pk ‖ MAC ‖ ciphertext`) with the recipient's 32-byte private key. */
export function openSealedBox(box: Uint8Array, privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== KEY_BYTES) {
    throw new Error(`the private key has ${privateKey.length} bytes; expected ${KEY_BYTES}`);
  }
  if (box.length < KEY_BYTES + MAC_BYTES) throw new Error(OPEN_FAILED);
  const epk = box.subarray(0, KEY_BYTES);
  const sk = x25519PrivateKey(privateKey);
  const pk = rawPublicKey(createPublicKey(sk));
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: sk, publicKey: x25519PublicKey(epk) });
  } catch {
    throw new Error(OPEN_FAILED);
  }
  // libsodium refuses a low-order ephemeral key (all-zero shared secret); so does this.
  if (shared.every((b) => b === 0)) throw new Error(OPEN_FAILED);
  const nonceInput = new Uint8Array(2 * KEY_BYTES);
  nonceInput.set(epk, 0);
  nonceInput.set(pk, KEY_BYTES);
  const nonce = blake2b(nonceInput, { dkLen: NONCE_BYTES });
  const key = boxKey(shared);
  const plain = secretboxOpen(box.subarray(KEY_BYTES), nonce, key);
  if (!plain) throw new Error(OPEN_FAILED);
  return plain;
}

/** XSalsa20-Poly1305 (`crypto_secretbox_open_easy`): `MAC ‖ ciphertext` → plaintext, or undefined when the MAC fails. */
export function secretboxOpen(boxed: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  if (boxed.length < MAC_BYTES || nonce.length !== NONCE_BYTES || key.length !== KEY_BYTES) return undefined;
  try {
    return secretbox(key, nonce).open(boxed);
  } catch {
    return undefined;
  }
}

/** "expand 32-byte k" as little-endian words. */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

/** `crypto_box_beforenm`: HSalsa20 of the X25519 shared secret with a zero input. */
function boxKey(shared: Uint8Array): Uint8Array {
  const k = new Uint32Array(8);
  for (let i = 0; i < 8; i++) k[i] = Buffer.from(shared.buffer, shared.byteOffset, 32).readUInt32LE(4 * i);
  const out = new Uint32Array(8);
  hsalsa(SIGMA, k, new Uint32Array(4), out);
  const key = Buffer.alloc(32);
  for (let i = 0; i < 8; i++) key.writeUInt32LE(out[i]!, 4 * i);
  return new Uint8Array(key);
}

function decodeKey(b64: string): Uint8Array {
  const text = b64.trim();
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text)) {
    throw new Error('the private key is not base64 of 32 bytes: expected 44 characters of standard base64');
  }
  return Buffer.from(text, 'base64');
}

// --- X25519 through node:crypto (raw keys wrapped in their fixed DER prefixes, RFC 8410) ---

const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

function x25519PrivateKey(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: 'der', type: 'pkcs8' });
}

function x25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' });
}

function rawPublicKey(key: KeyObject): Uint8Array {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519.length);
}
