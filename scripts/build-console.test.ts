import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONSOLE_CSS, CONSOLE_HTML, CONSOLE_JS } from '../master/src/console/assets.gen.ts';
import { CONSOLE_ASSETS, renderConsoleAssets } from './build-console.ts';

const ABSOLUTE_URL = /https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\//i;

describe('console assets', () => {
  it('when the console is built from console/, then it equals the committed master/src/console/assets.gen.ts', async () => {
    const fresh = await renderConsoleAssets();
    expect(
      fresh === readFileSync(CONSOLE_ASSETS, 'utf8'),
      'stale: run npx tsx scripts/build-console.ts',
    ).toBe(true);
    expect(await renderConsoleAssets()).toBe(fresh); // deterministic
  });

  it('when the page is built, then its HTML and style name no other origin', () => {
    expect(CONSOLE_HTML).not.toMatch(ABSOLUTE_URL);
    expect(CONSOLE_CSS).not.toMatch(ABSOLUTE_URL);
  });

  // The script holds URLs as data (the schemas' examples, the GitHub link the person opens), so it
  // is checked for what would load them; the browser tests check every request goes to the master.
  it('when the page is built, then its script loads nothing from an absolute URL and adds no script, frame or style', () => {
    expect(CONSOLE_JS).not.toMatch(/\b(fetch|import|importScripts|EventSource|WebSocket)\(\s*["'`]https?:/);
    expect(CONSOLE_JS).not.toMatch(/createElement\(\s*["'`](script|iframe|link|style)["'`]/);
  });

  it('when the page is built, then its script compiles nothing at run time (the CSP has no unsafe-eval)', () => {
    expect(CONSOLE_JS).not.toMatch(/new Function\(|\beval\(/);
  });
});
