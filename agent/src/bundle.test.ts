import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSealKeypair, sealBytes } from '../../core/seal/index.ts';
import { openBundle } from './bundle.ts';

async function sealed(files: unknown, publicKey: string, overrides: object = {}) {
  const plain = JSON.stringify({ files });
  return {
    project: 'acme',
    revision: 4,
    sha256: createHash('sha256').update(plain).digest('hex'),
    sealed: await sealBytes(plain, publicKey),
    ...overrides,
  };
}

describe('opening a bundle', () => {
  it('when sealed to this worker with a matching sha256, then its files come out', async () => {
    const kp = await generateSealKeypair();
    const b = await openBundle(
      await sealed({ '.env': 'A=1', 'docker-compose.yml': 'services: {}' }, kp.publicKey),
      'acme',
      kp.privateKey,
    );
    expect(b.revision).toBe(4);
    expect([...b.files.keys()]).toEqual(['.env', 'docker-compose.yml']);
  });

  it('when sealed to another key, then it is refused without opening', async () => {
    const [mine, other] = [await generateSealKeypair(), await generateSealKeypair()];
    await expect(openBundle(await sealed({}, other.publicKey), 'acme', mine.privateKey)).rejects.toThrow(
      'cannot open bundle revision 4: cannot open the sealed data: it was sealed to another key or altered',
    );
  });

  it('when the sha256 does not match the plaintext, then it is refused', async () => {
    const kp = await generateSealKeypair();
    const r = await sealed({ a: 'x' }, kp.publicKey, { sha256: '0'.repeat(64) });
    await expect(openBundle(r, 'acme', kp.privateKey)).rejects.toThrow(
      /does not match its sha256: expected 0{64}/,
    );
  });

  it('when the bundle belongs to another project, then it is refused', async () => {
    const kp = await generateSealKeypair();
    await expect(
      openBundle(await sealed({}, kp.publicKey, { project: 'blog' }), 'acme', kp.privateKey),
    ).rejects.toThrow('the bundle is for project "blog", but this agent serves "acme"');
  });

  it('when the answer is malformed, then the error names the field', async () => {
    const kp = await generateSealKeypair();
    await expect(openBundle({ project: 'acme', revision: 0 }, 'acme', kp.privateKey)).rejects.toThrow(
      /the bundle response is malformed: .*missing "sha256"/,
    );
  });

  it('when paths climb out or contents are not strings, then every problem is listed and no content is quoted', async () => {
    const kp = await generateSealKeypair();
    const r = await sealed({ '../x': 'secret-content-1', '/etc/y': 'secret-content-2', z: 5 }, kp.publicKey);
    const err = await openBundle(r, 'acme', kp.privateKey).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      'bundle revision 4 refused:\n  - path "../x" contains ".."; expected a path inside the state directory\n' +
        '  - path "/etc/y" is absolute; expected a path inside the state directory\n  - path "z" has a non-string content',
    );
  });
});
