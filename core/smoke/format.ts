/** The smoke report as text lines (the CLI and the demo print these). */
import type { SmokeReport } from './types.ts';

export function formatReport(r: SmokeReport): string[] {
  const width = Math.max(...r.steps.map((s) => s.name.length), 4);
  const lines = r.steps.map((s) => {
    const mark = s.outcome === 'ok' ? 'ok     ' : s.outcome === 'failed' ? 'FAILED ' : 'skipped';
    const ms = `${s.ms} ms`.padStart(8);
    const why =
      s.outcome === 'failed'
        ? `  [${s.layer}] ${s.detail ?? ''}`
        : s.outcome === 'skipped'
          ? `  (${s.detail ?? ''})`
          : '';
    return `${s.name.padEnd(width)}  ${mark} ${ms}${why}`;
  });
  const failed = r.steps.filter((s) => s.outcome === 'failed');
  lines.push(
    r.ok
      ? `smoke ${r.project}: passed, ${r.steps.length} steps in ${r.ms} ms (${r.url})`
      : `smoke ${r.project}: FAILED at ${failed.map((s) => `${s.name} [${s.layer}]`).join(', ') || 'a skipped step'} (${r.url})`,
  );
  return lines;
}
