/**
 * The last known spec of each project, read from git at the commit last applied (a
 * pull request's base, a push's `before`). The planner needs the spec a project was
 * applied with (for `protect` and diffs); when the master's answer carries no spec,
 * git has it. Files that are missing, unreadable or not a mapping are skipped.
 */
import { execFile } from 'node:child_process';
import { parse } from 'yaml';
import type { ProjectSpec } from '../spec/types.ts';

const SHA_RE = /^[0-9a-f]{40}$/;
const NAME_RE = /^[a-z][a-z0-9-]{1,31}$/;

function git(cwd: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 15_000, maxBuffer: 1 << 20 }, (err, stdout) =>
      resolve(err ? undefined : stdout),
    );
  });
}

export async function specsAtCommit(
  cwd: string,
  sha: string | undefined,
  names: readonly string[],
  projectsDir = 'projects',
): Promise<Map<string, ProjectSpec>> {
  const out = new Map<string, ProjectSpec>();
  if (!sha || !SHA_RE.test(sha) || /^0+$/.test(sha)) return out;
  for (const name of names) {
    if (!NAME_RE.test(name)) continue;
    const text = await git(cwd, ['show', `${sha}:${projectsDir}/${name}.yaml`]);
    if (text === undefined) continue;
    try {
      const doc = parse(text, { maxAliasCount: 10 }) as unknown;
      if (
        doc &&
        typeof doc === 'object' &&
        !Array.isArray(doc) &&
        (doc as { name?: unknown }).name === name
      ) {
        out.set(name, doc as ProjectSpec);
      }
    } catch {
      // an unparsable old file gives no last known spec
    }
  }
  return out;
}
