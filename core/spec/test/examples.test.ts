import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Secret, publicKeyOf, unseal } from '../../seal/index.ts';
import { loadFleetDir } from '../load.ts';
import { isSecretPath } from '../rules/sealed.ts';

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples', 'fleet');

/** Every sealed value in a spec, with the dotted field it sits at. */
function sealedValues(spec: unknown, path: string[] = []): { field: string; value: string }[] {
  if (typeof spec === 'string') return isSecretPath(path) ? [{ field: path.join('.'), value: spec }] : [];
  if (typeof spec !== 'object' || spec === null) return [];
  return Object.entries(spec).flatMap(([k, v]) => sealedValues(v, [...path, k]));
}

describe('examples/fleet', () => {
  it('when validated, then the fleet and its three projects are valid', async () => {
    const result = await loadFleetDir(examples);
    expect(result.errors).toEqual([]);
    expect(result.projects.map((p) => p.name)).toEqual(['acme', 'blog', 'shop']);
  });

  it('when its sealed values are opened with the example key, then each opens where it sits', async () => {
    const text = await readFile(join(examples, 'EXAMPLE-ONLY.seal-private-key'), 'utf8');
    const privateKey = new Secret(text.trim().split('\n').pop()!.trim());
    const publicKey = await publicKeyOf(privateKey);
    const result = await loadFleetDir(examples);
    expect(result.fleet?.seal.public_key).toBe(publicKey);
    let opened = 0;
    for (const project of result.projects) {
      for (const { field, value } of sealedValues(project)) {
        const secret = await unseal(value, { project: project.name, field }, { publicKey, privateKey });
        expect(secret.reveal()).toMatch(/example/);
        opened += 1;
      }
    }
    expect(opened).toBeGreaterThanOrEqual(6);
  });
});
