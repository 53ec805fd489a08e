import sodiumModule from 'libsodium-wrappers';
import type { ProjectSecrets } from '../../../core/secrets/types.ts';
import type { Secret } from '../../../core/seal/index.ts';

/**
 * At-rest encryption of a project's generated secrets: libsodium secretbox
 * (XSalsa20-Poly1305) with the key from SUPAFLEET_SECRETS_KEY and a random
 * nonce per record.
 */
export interface SecretBox {
  seal(secrets: ProjectSecrets): Promise<{ nonce: Buffer; ciphertext: Buffer }>;
  open(record: { nonce: Buffer; ciphertext: Buffer }): Promise<ProjectSecrets>;
}

export function createSecretBox(key: Secret): SecretBox {
  const keyBytes = async (): Promise<Uint8Array> => {
    await sodiumModule.ready;
    const k = sodiumModule.from_base64(key.reveal(), sodiumModule.base64_variants.ORIGINAL);
    if (k.length !== sodiumModule.crypto_secretbox_KEYBYTES) {
      throw new Error(
        `the secrets key has ${k.length} bytes; expected ${sodiumModule.crypto_secretbox_KEYBYTES}`,
      );
    }
    return k;
  };
  return {
    async seal(secrets) {
      const k = await keyBytes();
      const nonce = sodiumModule.randombytes_buf(sodiumModule.crypto_secretbox_NONCEBYTES);
      const ct = sodiumModule.crypto_secretbox_easy(JSON.stringify(secrets), nonce, k);
      return { nonce: Buffer.from(nonce), ciphertext: Buffer.from(ct) };
    },
    async open(record) {
      const k = await keyBytes();
      let plain: Uint8Array;
      try {
        plain = sodiumModule.crypto_secretbox_open_easy(record.ciphertext, record.nonce, k);
      } catch {
        throw new Error(
          'cannot decrypt the project secrets: SUPAFLEET_SECRETS_KEY differs from the key they were stored with',
        );
      }
      return JSON.parse(sodiumModule.to_string(plain)) as ProjectSecrets;
    },
  };
}
