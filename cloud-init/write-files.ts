import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize } from 'node:path';

/** Files that hold secrets are written 0600, scripts 0755, everything else 0644. */
const SECRET = /(^|\/)(\.env|restic-password|function-secrets\.json|enroll\.json|user-data\.yaml)$/;

/**
 * The one function that writes rendered files: each relative path under `dir`.
 * Refuses absolute paths and `..`, so a rendered map can never write outside `dir`.
 */
export async function writeRenderedFiles(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  for (const [path, content] of files) {
    const clean = normalize(path);
    if (isAbsolute(path) || clean.startsWith('..')) {
      throw new Error(
        `refusing to write ${JSON.stringify(path)}: expected a relative path inside the output directory`,
      );
    }
    const target = join(dir, clean);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content, {
      mode: SECRET.test(clean) ? 0o600 : clean.endsWith('.sh') ? 0o755 : 0o644,
    });
  }
}
