import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONSOLE_ASSETS, renderConsoleAssets } from './build-console.ts';

describe('console assets', () => {
  it('when the console is built from console/, then it equals the committed master/src/console/assets.gen.ts', async () => {
    const fresh = await renderConsoleAssets();
    expect(
      fresh === readFileSync(CONSOLE_ASSETS, 'utf8'),
      'stale: run npx tsx scripts/build-console.ts',
    ).toBe(true);
    expect(await renderConsoleAssets()).toBe(fresh); // deterministic
  });
  it('when the page is built, then it loads nothing from another origin', async () => {
    const text = await renderConsoleAssets();
    expect(text).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\//i);
  });
});
