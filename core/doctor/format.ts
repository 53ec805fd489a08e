/** The doctor's report as text: one line per check (✓, ✗ or -), its fix under it, then the verdict. */
import { NO_PAINT, type Paint } from '../fleet-status/format.ts';
import type { DoctorReport } from './types.ts';

export function formatDoctor(r: DoctorReport, paint: Paint = NO_PAINT): string[] {
  const width = Math.max(...r.checks.map((c) => c.layer.length));
  const lines: string[] = [];
  for (const c of r.checks) {
    const mark =
      c.outcome === 'ok' ? paint.green('✓') : c.outcome === 'failed' ? paint.red('✗') : paint.dim('-');
    const line = `${mark} ${c.layer.padEnd(width)}  ${c.subject}: ${c.detail}`;
    lines.push(c.outcome === 'skipped' ? paint.dim(line) : line);
    if (c.fix) lines.push(`  ${' '.repeat(width)}  ${paint.yellow('do this:')} ${c.fix}`);
  }
  const b = r.firstBroken;
  lines.push(
    b
      ? paint.red(`doctor: the first broken layer is ${b.layer} (${b.subject}): ${b.detail}`)
      : paint.green(
          `doctor: every check passed (${r.checks.filter((c) => c.outcome === 'ok').length} checks, ${r.master})`,
        ),
  );
  return lines;
}
