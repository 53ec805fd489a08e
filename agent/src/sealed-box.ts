import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';

/**
 * Opens what the master seals to a worker (libsodium's `crypto_box_seal`:
 * an ephemeral X25519 public key, then XSalsa20-Poly1305 of the plaintext
 * under the X25519 shared secret, nonce = BLAKE2b-192(ephemeral pk ‖ worker pk)).
 *
 * The X25519 exchange is node:crypto's; BLAKE2b, Salsa20 and Poly1305 are not
 * offered by it and are written out below. Doing it here instead of loading
 * libsodium (a WebAssembly module and its compilers) keeps the idle agent
 * several MB smaller. Every function is pure.
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
  const nonce = blake2b(nonceInput, NONCE_BYTES);
  const key = hsalsa20(shared, new Uint8Array(16));
  const plain = secretboxOpen(box.subarray(KEY_BYTES), nonce, key);
  if (!plain) throw new Error(OPEN_FAILED);
  return plain;
}

/** XSalsa20-Poly1305 (`crypto_secretbox_open_easy`): `MAC ‖ ciphertext` → plaintext, or undefined when the MAC fails. */
export function secretboxOpen(boxed: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  if (boxed.length < MAC_BYTES || nonce.length !== NONCE_BYTES || key.length !== KEY_BYTES) return undefined;
  const subkey = hsalsa20(key, nonce.subarray(0, 16));
  const stream = salsa20Stream(subkey, nonce.subarray(16, 24), 32 + boxed.length - MAC_BYTES);
  const mac = poly1305(boxed.subarray(MAC_BYTES), stream.subarray(0, 32));
  if (!timingSafeEqual(mac, boxed.subarray(0, MAC_BYTES))) return undefined;
  const out = new Uint8Array(boxed.length - MAC_BYTES);
  for (let i = 0; i < out.length; i++) out[i] = boxed[MAC_BYTES + i]! ^ stream[32 + i]!;
  return out;
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

// --- Salsa20 (D. J. Bernstein, "Salsa20 specification"), HSalsa20 and the XSalsa20 key step ---

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

/** The Salsa20 state for a 32-byte key and a 16-byte input (nonce and counter, or HSalsa20's input). */
function initState(key: Uint8Array, input: Uint8Array): Uint32Array {
  const s = new Uint32Array(16);
  const k = (i: number): number => le32(key, 4 * i);
  s[0] = SIGMA[0]!;
  s[1] = k(0);
  s[2] = k(1);
  s[3] = k(2);
  s[4] = k(3);
  s[5] = SIGMA[1]!;
  s[6] = le32(input, 0);
  s[7] = le32(input, 4);
  s[8] = le32(input, 8);
  s[9] = le32(input, 12);
  s[10] = SIGMA[2]!;
  s[11] = k(4);
  s[12] = k(5);
  s[13] = k(6);
  s[14] = k(7);
  s[15] = SIGMA[3]!;
  return s;
}

/**
 * The 20 rounds (ten column rounds and ten row rounds) over `input`, into
 * `out`; with `feedForward` each word of the input is added back (Salsa20's
 * block function), without it the raw rounds are left (for HSalsa20). Written
 * with locals, not array accesses: several times faster in the interpreter.
 */
function salsaCore(input: Uint32Array, out: Uint32Array, feedForward: boolean): void {
  let x0 = input[0]!,
    x1 = input[1]!,
    x2 = input[2]!,
    x3 = input[3]!,
    x4 = input[4]!,
    x5 = input[5]!,
    x6 = input[6]!,
    x7 = input[7]!,
    x8 = input[8]!,
    x9 = input[9]!,
    x10 = input[10]!,
    x11 = input[11]!,
    x12 = input[12]!,
    x13 = input[13]!,
    x14 = input[14]!,
    x15 = input[15]!,
    u: number;
  for (let i = 0; i < 10; i++) {
    // column round
    u = (x0 + x12) | 0;
    x4 ^= (u << 7) | (u >>> 25);
    u = (x4 + x0) | 0;
    x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x4) | 0;
    x12 ^= (u << 13) | (u >>> 19);
    u = (x12 + x8) | 0;
    x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x1) | 0;
    x9 ^= (u << 7) | (u >>> 25);
    u = (x9 + x5) | 0;
    x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x9) | 0;
    x1 ^= (u << 13) | (u >>> 19);
    u = (x1 + x13) | 0;
    x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x6) | 0;
    x14 ^= (u << 7) | (u >>> 25);
    u = (x14 + x10) | 0;
    x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x14) | 0;
    x6 ^= (u << 13) | (u >>> 19);
    u = (x6 + x2) | 0;
    x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x11) | 0;
    x3 ^= (u << 7) | (u >>> 25);
    u = (x3 + x15) | 0;
    x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x3) | 0;
    x11 ^= (u << 13) | (u >>> 19);
    u = (x11 + x7) | 0;
    x15 ^= (u << 18) | (u >>> 14);
    // row round
    u = (x0 + x3) | 0;
    x1 ^= (u << 7) | (u >>> 25);
    u = (x1 + x0) | 0;
    x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x1) | 0;
    x3 ^= (u << 13) | (u >>> 19);
    u = (x3 + x2) | 0;
    x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x4) | 0;
    x6 ^= (u << 7) | (u >>> 25);
    u = (x6 + x5) | 0;
    x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x6) | 0;
    x4 ^= (u << 13) | (u >>> 19);
    u = (x4 + x7) | 0;
    x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x9) | 0;
    x11 ^= (u << 7) | (u >>> 25);
    u = (x11 + x10) | 0;
    x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x11) | 0;
    x9 ^= (u << 13) | (u >>> 19);
    u = (x9 + x8) | 0;
    x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x14) | 0;
    x12 ^= (u << 7) | (u >>> 25);
    u = (x12 + x15) | 0;
    x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x12) | 0;
    x14 ^= (u << 13) | (u >>> 19);
    u = (x14 + x13) | 0;
    x15 ^= (u << 18) | (u >>> 14);
  }
  const words = [x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15];
  for (let i = 0; i < 16; i++) out[i] = feedForward ? words[i]! + input[i]! : words[i]!;
}

/** HSalsa20: a 32-byte key and a 16-byte input → a 32-byte derived key. */
export function hsalsa20(key: Uint8Array, input: Uint8Array): Uint8Array {
  const x = new Uint32Array(16);
  salsaCore(initState(key, input), x, false);
  const out = new Uint8Array(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, i) => putLe32(out, 4 * i, x[w]!));
  return out;
}

/** `length` bytes of the Salsa20 key stream for a 32-byte key and an 8-byte nonce, from block 0. */
export function salsa20Stream(key: Uint8Array, nonce: Uint8Array, length: number): Uint8Array {
  const input = new Uint8Array(16);
  input.set(nonce, 0);
  const state = initState(key, input);
  const blocks = Math.ceil(length / 64);
  const out = new Uint32Array(blocks * 16);
  for (let block = 0; block < blocks; block++) {
    state[8] = block >>> 0;
    state[9] = Math.floor(block / 0x1_0000_0000);
    salsaCore(state, out.subarray(16 * block, 16 * block + 16), true);
  }
  const bytes = new Uint8Array(out.buffer, 0, length);
  if (!LITTLE_ENDIAN) for (let i = 0; i < out.length; i++) putLe32(bytes, 4 * i, out[i]!);
  return bytes;
}

/** Whether this machine stores a Uint32Array's words little-endian (then the words are the stream's bytes as they are). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// --- Poly1305 (RFC 8439, section 2.5) ---

const P1305 = (1n << 130n) - 5n;
const MASK130 = (1n << 130n) - 1n;
const CLAMP = 0x0ffffffc0ffffffc0ffffffc0fffffffn;

/** The 16-byte Poly1305 tag of `message` under a 32-byte one-time key. */
export function poly1305(message: Uint8Array, key: Uint8Array): Uint8Array {
  const r = leBig(key.subarray(0, 16)) & CLAMP;
  const s = leBig(key.subarray(16, 32));
  let acc = 0n;
  for (let at = 0; at < message.length; at += 16) {
    const chunk = message.subarray(at, Math.min(at + 16, message.length));
    acc = (acc + leBig(chunk) + (1n << BigInt(8 * chunk.length))) * r;
    // Reduce modulo 2^130 - 5: 2^130 ≡ 5.
    acc = (acc & MASK130) + (acc >> 130n) * 5n;
    acc = (acc & MASK130) + (acc >> 130n) * 5n;
  }
  if (acc >= P1305) acc -= P1305;
  const tag = (acc + s) & ((1n << 128n) - 1n);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number((tag >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** Little-endian bytes (at most 16) as a BigInt. */
function leBig(bytes: Uint8Array): bigint {
  let lo = 0n;
  let hi = 0n;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length === 16) {
    lo = view.getBigUint64(0, true);
    hi = view.getBigUint64(8, true);
    return lo | (hi << 64n);
  }
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

// --- BLAKE2b (RFC 7693), unkeyed, any output length 1-64 ---

const B2B_IV = [
  0x6a09e667f3bcc908n,
  0xbb67ae8584caa73bn,
  0x3c6ef372fe94f82bn,
  0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n,
  0x9b05688c2b3e6c1fn,
  0x1f83d9abfb41bd6bn,
  0x5be0cd19137e2179n,
];

const B2B_SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

const M64 = (1n << 64n) - 1n;

function rotr64(v: bigint, n: bigint): bigint {
  return ((v >> n) | (v << (64n - n))) & M64;
}

/** BLAKE2b of `input` with an `outLength`-byte digest (no key). */
export function blake2b(input: Uint8Array, outLength: number): Uint8Array {
  if (!Number.isInteger(outLength) || outLength < 1 || outLength > 64) {
    throw new Error(`BLAKE2b output length ${outLength} is out of range; expected 1-64`);
  }
  const h = B2B_IV.slice();
  h[0] = h[0]! ^ 0x01010000n ^ BigInt(outLength);
  const blocks = Math.max(1, Math.ceil(input.length / 128));
  const block = new Uint8Array(128);
  const view = new DataView(block.buffer);
  for (let b = 0; b < blocks; b++) {
    const last = b === blocks - 1;
    block.fill(0);
    block.set(input.subarray(128 * b, Math.min(128 * (b + 1), input.length)));
    const m = Array.from({ length: 16 }, (_, i) => view.getBigUint64(8 * i, true));
    const t = BigInt(last ? input.length : 128 * (b + 1));
    compress(h, m, t, last);
  }
  const out = new Uint8Array(64);
  const outView = new DataView(out.buffer);
  h.forEach((w, i) => outView.setBigUint64(8 * i, w, true));
  return out.slice(0, outLength);
}

function compress(h: bigint[], m: bigint[], t: bigint, last: boolean): void {
  const v = [...h, ...B2B_IV];
  v[12] = v[12]! ^ (t & M64);
  v[13] = v[13]! ^ (t >> 64n);
  if (last) v[14] = v[14]! ^ M64;
  const g = (a: number, b: number, c: number, d: number, x: bigint, y: bigint): void => {
    v[a] = (v[a]! + v[b]! + x) & M64;
    v[d] = rotr64(v[d]! ^ v[a]!, 32n);
    v[c] = (v[c]! + v[d]!) & M64;
    v[b] = rotr64(v[b]! ^ v[c]!, 24n);
    v[a] = (v[a]! + v[b]! + y) & M64;
    v[d] = rotr64(v[d]! ^ v[a]!, 16n);
    v[c] = (v[c]! + v[d]!) & M64;
    v[b] = rotr64(v[b]! ^ v[c]!, 63n);
  };
  for (let r = 0; r < 12; r++) {
    const s = B2B_SIGMA[r % 10]!;
    g(0, 4, 8, 12, m[s[0]!]!, m[s[1]!]!);
    g(1, 5, 9, 13, m[s[2]!]!, m[s[3]!]!);
    g(2, 6, 10, 14, m[s[4]!]!, m[s[5]!]!);
    g(3, 7, 11, 15, m[s[6]!]!, m[s[7]!]!);
    g(0, 5, 10, 15, m[s[8]!]!, m[s[9]!]!);
    g(1, 6, 11, 12, m[s[10]!]!, m[s[11]!]!);
    g(2, 7, 8, 13, m[s[12]!]!, m[s[13]!]!);
    g(3, 4, 9, 14, m[s[14]!]!, m[s[15]!]!);
  }
  for (let i = 0; i < 8; i++) h[i] = h[i]! ^ v[i]! ^ v[i + 8]!;
}

// --- little-endian helpers ---

function le32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function putLe32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}
