/**
 * Drops whole-line comments from a shell script for user_data, where every byte
 * counts (the commented source stays in the repository). Keeps the shebang,
 * never touches heredoc bodies, and leaves lines with code before a `#` alone.
 */
export function stripShellComments(script: string): string {
  const out: string[] = [];
  let heredocEnd: string | undefined;
  for (const [i, line] of script.split('\n').entries()) {
    if (heredocEnd !== undefined) {
      out.push(line);
      if (line === heredocEnd) heredocEnd = undefined;
      continue;
    }
    if (i > 0 && /^\s*#/.test(line)) continue;
    const doc = /<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?/.exec(line);
    if (doc) heredocEnd = doc[1];
    out.push(line);
  }
  return out.join('\n');
}

/**
 * Drops whole-line `--` comments from an SQL file for user_data. Only whole lines
 * go, so a `--` inside a statement or a string on the same line stays.
 */
export function stripSqlComments(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n');
}
