/**
 * The one function that writes env files (`KEY='value'` lines) for Docker Compose.
 *
 * Compose reads a single-quoted value literally: no `$` expansion, no escapes, `#`
 * is not a comment. Its parser ends the value at the first `'` not preceded by a
 * backslash and trims quote characters at both ends, so a value that contains `'`,
 * ends with a backslash, or holds a newline or NUL cannot be represented: such a
 * value is refused with an error naming the key (never the value, which may be a secret).
 */
const KEY = /^[A-Z_][A-Z0-9_]*$/;

export function envLine(key: string, value: string): string {
  if (!KEY.test(key)) {
    throw new Error(`env file: key ${JSON.stringify(key)} is not a valid name (expected ^[A-Z_][A-Z0-9_]*$)`);
  }
  if (/['\n\r\0]/.test(value) || value.endsWith('\\')) {
    throw new Error(
      `env file: the value of ${key} cannot be written to an env file: it must not contain a single quote, newline, carriage return or NUL, nor end with a backslash`,
    );
  }
  return `${key}='${value}'`;
}

/** Renders entries as an env file, sorted by key, one `KEY='value'` per line. */
export function renderEnvFile(entries: Readonly<Record<string, string>>): string {
  const keys = Object.keys(entries).sort();
  return keys.map((k) => envLine(k, entries[k] as string)).join('\n') + '\n';
}

/**
 * Reads an env file the way Compose reads the single-quoted lines written above.
 * Used by tests to prove the round trip; not a general dotenv parser.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z_][A-Z0-9_]*)='([^']*)'$/.exec(line);
    if (!m) throw new Error(`env file: unexpected line ${JSON.stringify(line)}`);
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

/** Escapes a value for a Compose file, where `$` starts interpolation: `$` becomes `$$`. */
export function composeLiteral(value: string): string {
  return value.replaceAll('$', '$$$$');
}
