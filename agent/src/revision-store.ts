import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteFile, fsyncDir } from './atomic-write.ts';
import type { Bundle } from './bundle.ts';
import { checkBundlePath } from './bundle-path.ts';
import { CURRENT_LINK, KEEP_REVISIONS, MAX_BUNDLE_FILES, REVISIONS_DIR, SECRET_FILES } from './layout.ts';

/**
 * The bundle on disk: `<state_dir>/revisions/<n>/` per revision and a
 * `current` symlink switched atomically, so the stack always runs from one
 * complete revision and the previous one stays for rollback.
 */
export class RevisionStore {
  readonly #stateDir: string;
  readonly #revisionsDir: string;

  constructor(stateDir: string) {
    this.#stateDir = stateDir;
    this.#revisionsDir = join(stateDir, REVISIONS_DIR);
  }

  /** `<state_dir>/current`: the path runtimes work in. */
  get currentPath(): string {
    return join(this.#stateDir, CURRENT_LINK);
  }

  async init(): Promise<void> {
    await mkdir(this.#stateDir, { recursive: true, mode: 0o700 });
    await mkdir(this.#revisionsDir, { recursive: true, mode: 0o700 });
  }

  /** The revision `current` points at, or undefined before the first apply. */
  async current(): Promise<number | undefined> {
    let target: string;
    try {
      target = await readlink(this.currentPath);
    } catch {
      return undefined;
    }
    const m = new RegExp(`^${REVISIONS_DIR}/(\\d+)$`).exec(target);
    return m ? Number(m[1]) : undefined;
  }

  dirOf(revision: number): string {
    return join(this.#revisionsDir, String(revision));
  }

  /**
   * Writes a bundle as `revisions/<n>/` (0755 inside `revisions/`, which is
   * 0700): every file into a staging directory
   * (atomically, fsynced, refusing any path that would leave it), then one
   * rename. A revision that `current` points at is left alone.
   */
  async write(bundle: Bundle): Promise<string> {
    const target = this.dirOf(bundle.revision);
    if ((await this.current()) === bundle.revision) return target;
    const staging = join(this.#revisionsDir, `.staging-${bundle.revision}-${randomBytes(6).toString('hex')}`);
    await mkdir(staging, { mode: 0o755 });
    try {
      for (const [path, content] of [...bundle.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
        await writeInside(staging, path, content);
      }
      await rm(target, { recursive: true, force: true });
      await rename(staging, target);
      await fsyncDir(this.#revisionsDir);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    return target;
  }

  /** Points `current` at a revision: a new symlink renamed over the old one. */
  async switchTo(revision: number): Promise<void> {
    const tmp = join(this.#stateDir, `.${CURRENT_LINK}.tmp-${randomBytes(6).toString('hex')}`);
    await symlink(`${REVISIONS_DIR}/${revision}`, tmp);
    try {
      await rename(tmp, this.currentPath);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await fsyncDir(this.#stateDir);
  }

  /** Every regular file of a revision as relative path → content (symlinks skipped; bounded like a bundle). */
  async read(revision: number): Promise<Map<string, string>> {
    const root = this.dirOf(revision);
    const out = new Map<string, string>();
    const walk = async (rel: string): Promise<void> => {
      for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
        if (out.size >= MAX_BUNDLE_FILES) return;
        const path = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) await walk(path);
        else if (e.isFile()) out.set(path, await readFile(join(root, path), 'utf8'));
      }
    };
    await walk('');
    return out;
  }

  /** Deletes staging leftovers and all but the newest revisions, never one listed in `keep`. */
  async prune(keep: readonly (number | undefined)[]): Promise<void> {
    const entries = await readdir(this.#revisionsDir);
    const numbers = entries
      .filter((e) => /^\d+$/.test(e))
      .map(Number)
      .sort((a, b) => b - a);
    const kept = new Set(keep.filter((k): k is number => k !== undefined));
    for (const n of numbers) if (kept.size < KEEP_REVISIONS) kept.add(n);
    for (const e of entries) {
      const stale = e.startsWith('.staging-') || (/^\d+$/.test(e) && !kept.has(Number(e)));
      if (stale) await rm(join(this.#revisionsDir, e), { recursive: true, force: true });
    }
  }
}

/**
 * Writes `rel` under `root`, creating directories one level at a time and
 * refusing any existing component that is a symlink or not a directory, so no
 * path can be steered outside `root`.
 */
export async function writeInside(root: string, rel: string, content: string): Promise<void> {
  const why = checkBundlePath(rel);
  if (why) throw new Error(why);
  const segments = rel.split('/');
  let dir = root;
  for (const seg of segments.slice(0, -1)) {
    dir = join(dir, seg);
    const st = await lstat(dir).catch(() => undefined);
    if (st === undefined) await mkdir(dir, { mode: 0o755 });
    else if (st.isSymbolicLink()) {
      throw new Error(
        `path "${rel}" passes through a symlink at "${dir}"; refused so nothing is written outside`,
      );
    } else if (!st.isDirectory())
      throw new Error(`path "${rel}" needs "${dir}" as a directory, but it is a file`);
  }
  const file = join(root, rel);
  const st = await lstat(file).catch(() => undefined);
  if (st?.isSymbolicLink())
    throw new Error(`path "${rel}" is a symlink; refused so nothing is written outside`);
  await atomicWriteFile(file, content, fileMode(rel));
}

/** 0600 for secret files, 0755 for scripts, 0644 for the rest (read by containers running as other users). */
export function fileMode(rel: string): number {
  if (SECRET_FILES.includes(rel)) return 0o600;
  return rel.endsWith('.sh') ? 0o755 : 0o644;
}
