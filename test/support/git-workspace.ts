/**
 * A git checkout for action runs whose commits are mirrored into the fake
 * GitHub (tree, parent, message and files), so actions that read git history
 * locally and actions that ask the API see the same repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { FakeGitHub } from '../../fakes/github/server.ts';

export interface GitWorkspace {
  readonly dir: string;
  /** Writes files (objects as YAML; null deletes), commits them on main and mirrors the commit. */
  commit(changes: Readonly<Record<string, unknown>>, message: string): string;
  head(): string;
  close(): void;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

export function createGitWorkspace(github: FakeGitHub): GitWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'supafleet-checkout-'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'ci@example.com');
  git(dir, 'config', 'user.name', 'ci');
  const head = () => git(dir, 'rev-parse', 'HEAD');
  return {
    dir,
    head,
    close: () => rmSync(dir, { recursive: true, force: true }),
    commit(changes, message) {
      for (const [path, content] of Object.entries(changes)) {
        const full = join(dir, path);
        if (content === null) rmSync(full, { force: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, typeof content === 'string' ? content : stringify(content));
        }
      }
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '--allow-empty', '-m', message);
      const sha = head();
      const parent = git(dir, 'rev-list', '--max-count=1', '--skip=1', 'HEAD');
      const files = new Map<string, string>();
      for (const f of git(dir, 'ls-files').split('\n').filter(Boolean)) {
        files.set(f, readFileSync(join(dir, f), 'utf8'));
      }
      const st = github.state;
      const tree = st.storeTree(files);
      st.commits.set(sha, {
        sha,
        tree,
        parents: parent !== '' && st.commits.has(parent) ? [parent] : [],
        message,
        files,
      });
      st.refs.set('main', sha);
      return sha;
    },
  };
}
