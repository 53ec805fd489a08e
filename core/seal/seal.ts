import { Secret } from './secret.ts';
import { formatSealed, parseSealed, type SealBinding } from './format.ts';
import { sodium } from './sodium.ts';

/** A sealed value that cannot be opened or does not belong where it is used. */
export class SealError extends Error {
  override readonly name = 'SealError';
}

/** A seal keypair, base64 (standard alphabet, padded). */
export interface SealKeypair {
  readonly publicKey: string;
  readonly privateKey: Secret;
}

interface Payload {
  readonly p: string;
  readonly f: string;
  readonly v: string;
}

/** A new X25519 keypair for `crypto_box_seal`. */
export async function generateSealKeypair(): Promise<SealKeypair> {
  const na = await sodium();
  const kp = na.crypto_box_keypair();
  return {
    publicKey: na.to_base64(kp.publicKey, na.base64_variants.ORIGINAL),
    privateKey: new Secret(na.to_base64(kp.privateKey, na.base64_variants.ORIGINAL)),
  };
}

/** The public key that belongs to a base64 private key. */
export async function publicKeyOf(privateKey: Secret): Promise<string> {
  const na = await sodium();
  const sk = decodeKey(na, privateKey.reveal(), 'private key');
  return na.to_base64(na.crypto_scalarmult_base(sk), na.base64_variants.ORIGINAL);
}

/** Seals `value` to `publicKey`, bound to a project and field. */
export async function seal(value: string, binding: SealBinding, publicKey: string): Promise<string> {
  const na = await sodium();
  const pk = decodeKey(na, publicKey, 'public key');
  const payload: Payload = { p: binding.project, f: binding.field, v: value };
  const box = na.crypto_box_seal(JSON.stringify(payload), pk);
  return formatSealed(binding, na.to_base64(box, na.base64_variants.ORIGINAL));
}

/**
 * Opens a sealed value that must belong to `binding`. Throws SealError when the
 * string is malformed, sits in the wrong place, was tampered with, or was sealed
 * to another key. The messages never contain the value.
 */
export async function unseal(
  sealed: string,
  binding: SealBinding,
  keys: { readonly publicKey: string; readonly privateKey: Secret },
): Promise<Secret> {
  const parsed = parseSealed(sealed.trim());
  if (!parsed) {
    throw new SealError('not a sealed value: expected sealed:v1:<project>:<field>:<base64>');
  }
  if (parsed.project !== binding.project || parsed.field !== binding.field) {
    throw new SealError(
      `sealed for ${parsed.project} ${parsed.field}, but used for ${binding.project} ${binding.field}; seal the value again for this place`,
    );
  }
  const na = await sodium();
  const pk = decodeKey(na, keys.publicKey, 'public key');
  const sk = decodeKey(na, keys.privateKey.reveal(), 'private key');
  let plain: string;
  try {
    const box = na.from_base64(parsed.ciphertext, na.base64_variants.ORIGINAL);
    plain = na.to_string(na.crypto_box_seal_open(box, pk, sk));
  } catch {
    throw new SealError(
      `cannot open the sealed value for ${binding.project} ${binding.field}: it was sealed to another key or altered`,
    );
  }
  let payload: Partial<Payload>;
  try {
    payload = JSON.parse(plain) as Partial<Payload>;
  } catch {
    throw new SealError(`the sealed value for ${binding.project} ${binding.field} has an unreadable payload`);
  }
  if (payload.p !== binding.project || payload.f !== binding.field || typeof payload.v !== 'string') {
    throw new SealError(
      `the sealed value's header says ${binding.project} ${binding.field}, but its payload was sealed for another place (forged header)`,
    );
  }
  return new Secret(payload.v);
}

/** Seals raw bytes (e.g. a worker's env file) to a public key, without a binding. */
export async function sealBytes(data: string | Uint8Array, publicKey: string): Promise<string> {
  const na = await sodium();
  const pk = decodeKey(na, publicKey, 'public key');
  return na.to_base64(na.crypto_box_seal(data, pk), na.base64_variants.ORIGINAL);
}

/** Opens what sealBytes made. Throws SealError when the key does not fit or the data was altered. */
export async function openBytes(sealedB64: string, privateKey: Secret): Promise<Uint8Array> {
  const na = await sodium();
  const sk = decodeKey(na, privateKey.reveal(), 'private key');
  const pk = na.crypto_scalarmult_base(sk);
  try {
    return na.crypto_box_seal_open(na.from_base64(sealedB64, na.base64_variants.ORIGINAL), pk, sk);
  } catch {
    throw new SealError('cannot open the sealed data: it was sealed to another key or altered');
  }
}

function decodeKey(na: Awaited<ReturnType<typeof sodium>>, b64: string, what: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = na.from_base64(b64.trim(), na.base64_variants.ORIGINAL);
  } catch {
    throw new SealError(`the ${what} is not base64: expected 44 characters of standard base64`);
  }
  if (key.length !== 32) {
    throw new SealError(`the ${what} has ${key.length} bytes; expected 32 (44 characters of base64)`);
  }
  return key;
}
