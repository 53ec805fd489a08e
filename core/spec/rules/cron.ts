import { CRON_FIELDS, type CronField } from '../../cron.ts';
import { quote } from '../errors.ts';

const EXAMPLE = 'such as "0 3 * * *" (03:00 UTC every day)';

/**
 * Why `value` is not a five-field cron expression (minute hour day-of-month
 * month day-of-week; numbers, names, `*`, ranges, steps and lists), or undefined.
 */
export function cronProblem(value: string): string | undefined {
  const fields = value.trim().split(/\s+/);
  if (value.trim() === '' || fields.length !== 5) {
    return `${quote(value)} has ${value.trim() === '' ? 0 : fields.length} fields; expected 5 (minute hour day-of-month month day-of-week), ${EXAMPLE}`;
  }
  for (let i = 0; i < CRON_FIELDS.length; i++) {
    const problem = fieldProblem(fields[i]!, CRON_FIELDS[i]!);
    if (problem) return `${quote(value)}: ${problem}; expected a cron expression ${EXAMPLE}`;
  }
  return undefined;
}

function fieldProblem(text: string, field: CronField): string | undefined {
  const parts = text.split(',');
  if (parts.length > 60) return `the ${field.name} field has too many entries`;
  for (const part of parts) {
    const m = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(part);
    if (!m) return `the ${field.name} field ${quote(part)} is not a number, range, step or *`;
    const [, range, step] = m;
    if (step !== undefined && (Number(step) < 1 || Number(step) > field.max)) {
      return `the step ${quote(step)} in the ${field.name} field is out of range 1-${field.max}`;
    }
    if (range === '*') continue;
    const bounds = range!.split('-').map((v) => valueOf(v, field));
    for (const [k, bound] of bounds.entries()) {
      if (bound === undefined) {
        const raw = range!.split('-')[k]!;
        return `the ${field.name} ${quote(raw)} is out of range ${field.min}-${field.max}${field.names ? ` (or ${field.names[0]}-${field.names[field.names.length - 1]})` : ''}`;
      }
    }
    if (bounds.length === 2 && bounds[0]! > bounds[1]!) {
      return `the ${field.name} range ${quote(range)} runs backwards`;
    }
  }
  return undefined;
}

function valueOf(text: string, field: CronField): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index === -1) return undefined;
  return field.min + index;
}
