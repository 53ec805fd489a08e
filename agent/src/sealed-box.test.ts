import sodium from 'libsodium-wrappers';
import { describe, expect, it } from 'vitest';
import { generateSealKeypair, sealBytes } from '../../core/seal/index.ts';
import { OPEN_FAILED, blake2b, openSealed, openSealedBox, poly1305, secretboxOpen } from './sealed-box.ts';

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

describe('the primitives', () => {
  it('when BLAKE2b hashes any input to any length, then it equals libsodium generichash', () => {
    for (const n of [0, 1, 63, 64, 127, 128, 129, 255, 256, 300]) {
      const input = sodium.randombytes_buf(n);
      for (const out of [1, 16, 24, 32, 64]) {
        expect(hex(blake2b(input, out)), `input ${n}, output ${out}`).toBe(
          hex(sodium.crypto_generichash(out, input, null)),
        );
      }
    }
  });

  it('when BLAKE2b-512 hashes "abc", then it gives the RFC 7693 test vector', () => {
    expect(hex(blake2b(Buffer.from('abc'), 64))).toBe(
      'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1' +
        '7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
    );
  });

  it('when BLAKE2b is asked for more than 64 bytes, then it names the allowed range', () => {
    expect(() => blake2b(new Uint8Array(1), 65)).toThrow(
      'BLAKE2b output length 65 is out of range; expected 1-64',
    );
  });

  it('when Poly1305 tags the RFC 8439 message, then it gives the RFC tag', () => {
    const key = Buffer.from('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b', 'hex');
    expect(hex(poly1305(Buffer.from('Cryptographic Forum Research Group'), key))).toBe(
      'a8061dc1305136c6c22b8baf0c0127a9',
    );
  });

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
