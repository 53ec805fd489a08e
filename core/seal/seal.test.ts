import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from './secret.ts';
import { formatSealed, parseSealed } from './format.ts';
import { SealError, generateSealKeypair, openBytes, publicKeyOf, seal, sealBytes, unseal } from './seal.ts';

const here = { project: 'acme', field: 'auth.smtp.pass' };

describe('Secret', () => {
  it('when printed in any way, then shows [redacted]', () => {
    const s = new Secret('hunter2-value');
    const outputs = [String(s), `${s}`, JSON.stringify({ s }), inspect(s), inspect({ nested: { s } })];
    for (const out of outputs) expect(out).not.toContain('hunter2-value');
    expect(String(s)).toBe('[redacted]');
    expect(s.reveal()).toBe('hunter2-value');
  });
});

describe('seal and unseal', () => {
  it('when sealed for a place and opened there, then the value comes back', async () => {
    const keys = await generateSealKeypair();
    const sealed = await seal('s3cret smtp pass', here, keys.publicKey);
    expect(sealed.startsWith('sealed:v1:acme:auth.smtp.pass:')).toBe(true);
    expect(sealed).not.toContain('s3cret');
    expect((await unseal(sealed, here, keys)).reveal()).toBe('s3cret smtp pass');
  });

  it('when the public key is derived from the private key, then it matches the pair', async () => {
    const keys = await generateSealKeypair();
    expect(await publicKeyOf(keys.privateKey)).toBe(keys.publicKey);
  });

  it('when opened for another project or field, then SealError names both places', async () => {
    const keys = await generateSealKeypair();
    const sealed = await seal('v', here, keys.publicKey);
    await expect(unseal(sealed, { project: 'blog', field: 'auth.smtp.pass' }, keys)).rejects.toThrow(
      /sealed for acme auth.smtp.pass, but used for blog auth.smtp.pass/,
    );
    await expect(unseal(sealed, { project: 'acme', field: 'functions.secrets.X' }, keys)).rejects.toThrow(
      SealError,
    );
  });

  it('when the header is forged to another place, then the payload binding refuses it', async () => {
    const keys = await generateSealKeypair();
    const sealed = await seal('v', here, keys.publicKey);
    const forged = formatSealed(
      { project: 'blog', field: 'auth.smtp.pass' },
      parseSealed(sealed)!.ciphertext,
    );
    await expect(unseal(forged, { project: 'blog', field: 'auth.smtp.pass' }, keys)).rejects.toThrow(
      /forged header/,
    );
  });

  it('when the ciphertext is tampered with, then it is refused', async () => {
    const keys = await generateSealKeypair();
    const sealed = await seal('value', here, keys.publicKey);
    const ct = parseSealed(sealed)!.ciphertext;
    const flipped = (ct[10] === 'A' ? 'B' : 'A') + '';
    const tampered = formatSealed(here, ct.slice(0, 10) + flipped + ct.slice(11));
    await expect(unseal(tampered, here, keys)).rejects.toThrow(/another key or altered/);
  });

  it('when opened with the wrong key, then it is refused', async () => {
    const a = await generateSealKeypair();
    const b = await generateSealKeypair();
    const sealed = await seal('value', here, a.publicKey);
    await expect(unseal(sealed, here, b)).rejects.toThrow(SealError);
  });

  it('when a key is not 32 bytes of base64, then the error says what is expected', async () => {
    await expect(seal('v', here, 'QUJD')).rejects.toThrow(/has 3 bytes; expected 32/);
    await expect(seal('v', here, '!!!')).rejects.toThrow(/not base64/);
  });

  it('when bytes are sealed to a key, then only its private key opens them', async () => {
    const a = await generateSealKeypair();
    const b = await generateSealKeypair();
    const box = await sealBytes('KEY=value\n', a.publicKey);
    expect(new TextDecoder().decode(await openBytes(box, a.privateKey))).toBe('KEY=value\n');
    await expect(openBytes(box, b.privateKey)).rejects.toThrow(SealError);
  });
});

describe('parseSealed', () => {
  it.each([
    ['sealed:v1:acme:auth.smtp.pass:QUJD', { project: 'acme', field: 'auth.smtp.pass', ciphertext: 'QUJD' }],
    ['sealed:v1:acme:auth.smtp.pass:', undefined],
    ['sealed:v2:acme:auth.smtp.pass:QUJD', undefined],
    ['plaintext', undefined],
    ['sealed:v1:Acme:f:QUJD', undefined],
  ])('when given %s, then parses to %o', (input, want) => {
    expect(parseSealed(input)).toEqual(want);
  });
});
