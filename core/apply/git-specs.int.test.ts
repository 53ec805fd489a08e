import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specsAtCommit } from './git-specs.ts';

describe('last known specs from git', () => {
  const dir = mkdtempSync(join(tmpdir(), 'supafleet-git-specs-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  let first = '';

  beforeAll(() => {
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 't');
    mkdirSync(join(dir, 'projects'));
    writeFileSync(
      join(dir, 'projects', 'acme.yaml'),
      'name: acme\nprotect: true\nserver: { type: cx22, location: fsn1 }\n',
    );
    writeFileSync(join(dir, 'projects', 'odd.yaml'), 'name: other\n');
    writeFileSync(join(dir, 'projects', 'list.yaml'), '- a\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'one');
    first = git('rev-parse', 'HEAD');
    rmSync(join(dir, 'projects', 'acme.yaml'));
    git('commit', '-q', '-am', 'delete acme');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when a file was deleted since, then the spec at the earlier commit is found', async () => {
    const specs = await specsAtCommit(dir, first, ['acme']);
    expect(specs.get('acme')).toEqual({
      name: 'acme',
      protect: true,
      server: { type: 'cx22', location: 'fsn1' },
    });
  });

  it('when a file is missing, names another project or is not a mapping, then it is skipped', async () => {
    const specs = await specsAtCommit(dir, first, ['odd', 'list', 'nope']);
    expect([...specs.keys()]).toEqual([]);
  });

  it.each([undefined, '0'.repeat(40), 'HEAD', 'not-a-sha'])(
    'when the commit is %s, then nothing is read',
    async (sha) => {
      expect((await specsAtCommit(dir, sha, ['acme'])).size).toBe(0);
    },
  );

  it('when a name is not a project name, then git is not asked for it', async () => {
    expect((await specsAtCommit(dir, first, ['../fleet', 'ACME'])).size).toBe(0);
  });
});
