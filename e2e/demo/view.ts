/**
 * What the demo prints, as pure functions: progress lines with the time since
 * start, the status table, a secret shown only abbreviated, and a masker that
 * replaces every registered secret in a line.
 */

export interface StatusRow {
  readonly project: string;
  readonly wgIp: string;
  readonly health: string;
  readonly url: string;
}

/** `[  3.2s] acme: …`: the seconds since `startMs`, right-aligned. */
export function progressLine(startMs: number, nowMs: number, line: string): string {
  const s = Math.max(0, (nowMs - startMs) / 1000).toFixed(1);
  return `[${s.padStart(6)}s] ${line}`;
}

/** A plain-text table with a header rule; columns as wide as their widest cell. */
export function statusTable(rows: readonly StatusRow[]): string {
  const header: StatusRow = { project: 'PROJECT', wgIp: 'WG IP', health: 'HEALTH', url: 'URL' };
  const all = [header, ...rows];
  const keys = ['project', 'wgIp', 'health', 'url'] as const;
  const widths = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  const line = (r: StatusRow) =>
    keys
      .map((k, i) => r[k].padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A secret shown as its first 6 characters and its length; never more, never the end. */
export function abbreviate(secret: string): string {
  if (secret.length < 24) return `…(${secret.length} chars)`;
  return `${secret.slice(0, 6)}…(${secret.length} chars)`;
}

/** Replaces every registered secret (longest first) with `***` in a line. */
export function createMasker(): { add(secret: string): void; apply(line: string): string } {
  const secrets = new Set<string>();
  return {
    add: (s) => {
      if (s.length >= 8) secrets.add(s);
    },
    apply: (line) => {
      let out = line;
      for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
      return out;
    },
  };
}
