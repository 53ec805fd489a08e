/**
 * Scrubs known secret values out of text before it leaves the agent (log
 * lines, errors sent to the master). The agent token, the command key and
 * every value of the bundle's .env are registered; output can then name what
 * failed without carrying a secret along (a script's message, a URL, a pg error).
 */
export class Redactor {
  readonly #values = new Set<string>();

  /** Registers values; very short ones are ignored (they would blank out ordinary words). */
  add(...values: readonly string[]): void {
    for (const v of values) if (v.length >= 6) this.#values.add(v);
  }

  /** The text with every registered value replaced by `[redacted]`, longest first. */
  scrub(text: string): string {
    let out = text;
    const sorted = [...this.#values].sort((a, b) => b.length - a.length);
    for (const v of sorted) if (out.includes(v)) out = out.split(v).join('[redacted]');
    return out;
  }

  get size(): number {
    return this.#values.size;
  }
}

/**
 * The secret values in one bundle file: a dotenv file's values, a JSON
 * file's string leaves, or otherwise the whole trimmed content.
 */
export function secretValues(path: string, content: string): string[] {
  if (path === '.env' || path.endsWith('/.env')) return [...envValues(content).values()];
  if (path.endsWith('.json')) {
    try {
      const out: string[] = [];
      const walk = (v: unknown, depth: number): void => {
        if (depth > 20) return;
        if (typeof v === 'string') out.push(v);
        else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x, depth + 1);
      };
      walk(JSON.parse(content), 0);
      return out;
    } catch {
      return [content.trim()];
    }
  }
  return [content.trim()];
}

/** Values of a dotenv file (KEY=VALUE lines, optional quotes, comments ignored). */
export function envValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let v = m[2]!;
    if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
      v = v.slice(1, -1);
    }
    out.set(m[1]!, v);
  }
  return out;
}
