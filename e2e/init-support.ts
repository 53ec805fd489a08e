/** Helpers of the init end-to-end test. */
import { sodium } from '../core/seal/sodium.ts';
import type { Secret } from '../core/seal/secret.ts';

/** The seal public key (base64) that belongs to a private key. */
export async function sealPublicKeyOf(privateKey: Secret): Promise<string> {
  const na = await sodium();
  const sk = na.from_base64(privateKey.reveal(), na.base64_variants.ORIGINAL);
  return na.to_base64(na.crypto_scalarmult_base(sk), na.base64_variants.ORIGINAL);
}
