import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateValidators } from '../gen-validators.ts';

describe('compiled validators', () => {
  it('when the schemas change, then validators.gen.ts must be regenerated (npx tsx agent/gen-validators.ts)', async () => {
    const onDisk = await readFile(new URL('./validators.gen.ts', import.meta.url), 'utf8');
    expect(onDisk).toBe(generateValidators());
  });
});
