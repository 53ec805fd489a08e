import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Production folders: what ships in the actions, the CLI, the master and the agent. */
const PRODUCTION = ['core', 'cli', 'master/src', 'agent', 'cloud-init', 'actions', 'scripts'];

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

describe('the GitHub and WireGuard fakes stay out of production code', () => {
  it('when any production source is read, then none imports fakes/github or fakes/wireguard', () => {
    const files = PRODUCTION.flatMap((d) => sources(d));
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((f) =>
      /from\s+['"][^'"]*fakes\/(github|wireguard)\//.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
