import { mkdtemp, readFile, readlink, readdir, rm, stat, symlink, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atomicWriteFile } from './atomic-write.ts';
import { RevisionStore, writeInside } from './revision-store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sf-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bundle = (revision: number, files: Record<string, string>) => ({
  revision,
  sha256: '0'.repeat(64),
  files: new Map(Object.entries(files)),
});

describe('revision store', () => {
  it('when a revision is written and switched to, then current points at it and files have private modes', async () => {
    const store = new RevisionStore(join(dir, 'state'));
    await store.init();
    expect(await store.current()).toBeUndefined();
    await store.write(
      bundle(1, { '.env': 'A=1', 'backup/backup.sh': '#!/bin/sh\n', 'sql/01.sql': 'select 1;' }),
    );
    await store.switchTo(1);
    expect(await store.current()).toBe(1);
    expect(await readlink(join(dir, 'state/current'))).toBe('revisions/1');
    expect(await readFile(join(dir, 'state/current/sql/01.sql'), 'utf8')).toBe('select 1;');
    expect((await stat(join(dir, 'state/current/.env'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'state/current/backup/backup.sh'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(dir, 'state/current/sql/01.sql'))).mode & 0o777).toBe(0o644);
    expect((await stat(join(dir, 'state/revisions'))).mode & 0o777).toBe(0o700);
    expect((await readdir(join(dir, 'state/revisions'))).filter((e) => e.startsWith('.'))).toEqual([]);
  });

  it('when more revisions exist than are kept, then pruning keeps the newest and the listed ones', async () => {
    const store = new RevisionStore(join(dir, 'state'));
    await store.init();
    for (const n of [1, 2, 3, 4, 5]) await store.write(bundle(n, { a: String(n) }));
    await store.prune([5, 1]);
    expect((await readdir(join(dir, 'state/revisions'))).sort()).toEqual(['1', '4', '5']);
  });

  it('when a path passes through a symlink, then nothing is written through it', async () => {
    const root = join(dir, 'root');
    const outside = join(dir, 'outside');
    await mkdir(root);
    await mkdir(outside);
    await symlink(outside, join(root, 'link'));
    await expect(writeInside(root, 'link/x.txt', 'x')).rejects.toThrow(/passes through a symlink/);
    await symlink(join(outside, 'target'), join(root, 'file'));
    await expect(writeInside(root, 'file', 'x')).rejects.toThrow(/is a symlink/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('when writeInside is given a climbing path, then it refuses before touching the disk', async () => {
    await expect(writeInside(dir, '../x', 'x')).rejects.toThrow(/contains "\.\."/);
  });

  it('when a file is replaced atomically, then the new content is there and no temporary file is left', async () => {
    const f = join(dir, 'state.json');
    await atomicWriteFile(f, 'one');
    await atomicWriteFile(f, 'two');
    expect(await readFile(f, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['state.json']);
  });
});
