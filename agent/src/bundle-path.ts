/**
 * Which relative paths a bundle may write. A path is refused when it is
 * absolute, climbs with `..`, has empty or `.` segments, uses backslashes or
 * NUL, or collides with another entry (a file that is also a directory).
 * Symlinks are handled where files are written (see revision-store.ts).
 */
export function checkBundlePath(path: string): string | undefined {
  const shown = JSON.stringify(path.length > 120 ? `${path.slice(0, 120)}…` : path);
  if (path === '') return 'empty path; expected a relative file path such as docker-compose.yml';
  if (path.length > 1024) return `path ${shown} is longer than 1024 characters`;
  if (path.includes('\0')) return `path ${shown} contains NUL; expected a plain relative path`;
  if (path.includes('\\')) return `path ${shown} contains a backslash; expected / as separator`;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    return `path ${shown} is absolute; expected a path inside the state directory`;
  }
  const segments = path.split('/');
  if (segments.includes('..'))
    return `path ${shown} contains ".."; expected a path inside the state directory`;
  if (segments.some((s) => s === '' || s === '.')) {
    return `path ${shown} has an empty or "." segment; expected a normalised relative path`;
  }
  return undefined;
}

/** Every problem across a bundle's paths, including a file that another path uses as a directory. */
export function checkBundlePaths(paths: readonly string[]): string[] {
  const problems: string[] = [];
  const files = new Set(paths);
  for (const p of paths) {
    const why = checkBundlePath(p);
    if (why) {
      problems.push(why);
      continue;
    }
    const segments = p.split('/');
    for (let i = 1; i < segments.length; i++) {
      const dir = segments.slice(0, i).join('/');
      if (files.has(dir))
        problems.push(`path "${p}" needs "${dir}" as a directory, but the bundle has it as a file`);
    }
  }
  return problems;
}
