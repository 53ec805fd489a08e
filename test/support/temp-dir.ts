import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/** A new empty directory under the system temp dir. The caller removes it. */
export async function makeTempDir(prefix = 'supafleet-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a directory made by makeTempDir, and everything in it. */
export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * Call at the top of a test file: returns a function that makes a temp dir,
 * each removed after the test that made it.
 */
export function useTempDirs(prefix?: string): () => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map(removeTempDir));
  });
  return async () => {
    const dir = await makeTempDir(prefix);
    made.push(dir);
    return dir;
  };
}
