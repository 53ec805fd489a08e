import sodium from 'libsodium-wrappers';
import { describe, expect, it } from 'vitest';
import { generateSealKeypair, sealBytes } from '../../core/seal/index.ts';
import { OPEN_FAILED, openSealed, openSealedBox, secretboxOpen } from './sealed-box.ts';

// libsodium (what the master seals with) is the reference every result is checked against.
await sodium.ready;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const EDGE_LENGTHS = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 4096, 100_001];

describe('opening a sealed box', () => {
  it('when libsodium sealed a message of any length, then it opens to the same bytes', () => {
    const kp = sodium.crypto_box_keypair();
    for (const n of EDGE_LENGTHS) {
      const message = sodium.randombytes_buf(n);
      const box = sodium.crypto_box_seal(message, kp.publicKey);
      expect(hex(openSealedBox(box, kp.privateKey)), `length ${n}`).toBe(hex(message));
    }
  });

  it('when the master sealed text with core/seal, then the base64 form opens with the base64 key', async () => {
    const keys = await generateSealKeypair();
    const sealed = await sealBytes('KEY=value\nOTHER=ü\n', keys.publicKey);
    expect(Buffer.from(openSealed(sealed, `${keys.privateKey.reveal()}\n`)).toString('utf8')).toBe(
      'KEY=value\nOTHER=ü\n',
    );
  });

  it('when any byte of the box is changed (ephemeral key, MAC or ciphertext), then it is refused', () => {
    const kp = sodium.crypto_box_keypair();
    const box = sodium.crypto_box_seal(sodium.randombytes_buf(100), kp.publicKey);
    for (const at of [0, 31, 32, 47, 48, box.length - 1]) {
      const altered = box.slice();
      altered[at]! ^= 0x01;
      expect(() => openSealedBox(altered, kp.privateKey), `byte ${at}`).toThrow(OPEN_FAILED);
    }
  });

  it('when sealed to another key, then it is refused', () => {
    const [a, b] = [sodium.crypto_box_keypair(), sodium.crypto_box_keypair()];
    const box = sodium.crypto_box_seal(sodium.from_string('secret'), a.publicKey);
    expect(() => openSealedBox(box, b.privateKey)).toThrow(OPEN_FAILED);
  });

  it('when the box is shorter than an ephemeral key and a MAC, then it is refused', () => {
    const kp = sodium.crypto_box_keypair();
    expect(() => openSealedBox(new Uint8Array(47), kp.privateKey)).toThrow(OPEN_FAILED);
  });

  it('when the ephemeral key is a low-order point (all zeros), then it is refused', () => {
    const kp = sodium.crypto_box_keypair();
    expect(() => openSealedBox(new Uint8Array(80), kp.privateKey)).toThrow(OPEN_FAILED);
  });

  it('when the private key is not 44 characters of base64, then the error says so without quoting it', () => {
    for (const key of ['c2hvcnQ=', 'not base64 at all but long enough to be 44 c', '']) {
      let message = '';
      try {
        openSealed('AAAA', key);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toBe(
        'the private key is not base64 of 32 bytes: expected 44 characters of standard base64',
      );
    }
  });
});

describe('the secretbox step', () => {
  it('when libsodium secretbox encrypted a message, then secretboxOpen returns it, and nothing when altered', () => {
    const key = sodium.crypto_secretbox_keygen();
    const nonce = sodium.randombytes_buf(24);
    for (const n of EDGE_LENGTHS) {
      const message = sodium.randombytes_buf(n);
      const boxed = sodium.crypto_secretbox_easy(message, nonce, key);
      expect(hex(secretboxOpen(boxed, nonce, key)!), `length ${n}`).toBe(hex(message));
      boxed[boxed.length - 1]! ^= 0x80;
      expect(secretboxOpen(boxed, nonce, key)).toBeUndefined();
    }
  });
});
