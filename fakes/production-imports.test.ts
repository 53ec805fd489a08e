import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Production folders: what ships in the actions, the CLI, the master and the agent. */
const PRODUCTION = ['core', 'cli', 'master/src', 'agent', 'cloud-init', 'actions', 'scripts'];

/** Every fake of this folder (one folder a system: kong, hetzner, github, wireguard, …). */
const FAKES = readdirSync(new URL('.', import.meta.url), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

/** Source files under `dir` that are not tests, test support or build output. Bounded by the tree. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (['node_modules', 'dist', 'test', '__golden__'].includes(e.name)) continue;
      out.push(...sources(p));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

describe('the fakes stay out of production code', () => {
  const files = PRODUCTION.flatMap((d) => sources(d));

  it('when the fakes folder is read, then it holds the fake of each system the tests stand in for', () => {
    expect(FAKES).toEqual(
      expect.arrayContaining(['github', 'hetzner', 'kong', 'logflare', 'supavisor', 'wireguard']),
    );
  });

  it.each(FAKES)('when any production source is read, then none imports fakes/%s', (fake) => {
    expect(files.length).toBeGreaterThan(50);
    const imports = new RegExp(`from\\s+['"][^'"]*fakes/${fake}/`);
    expect(files.filter((f) => imports.test(readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('when the production folders are read, then no fake lives there', () => {
    expect(files.filter((f) => /(^|\/)fakes?\//.test(f))).toEqual([]);
  });
});
