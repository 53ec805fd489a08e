/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week, in
 * UTC), as the project spec allows them (core/spec/rules/cron.ts validates with the same fields): numbers,
 * names (`jan`, `mon`), `*`, ranges, steps and lists. When both day fields are
 * restricted (not a bare `*`), a day matches either; otherwise it must match
 * both. Pure functions; small enough that the agent carries no date library.
 */

/** The values each field allows. */
export interface CronSchedule {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday (7 is read as 0). */
  readonly daysOfWeek: ReadonlySet<number>;
  readonly dayOfMonthRestricted: boolean;
  readonly dayOfWeekRestricted: boolean;
}

/** One field of a five-field cron expression: its name, range and month or weekday names. */
export interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

/** The five fields, in order; day of week 0 and 7 are both Sunday, as in cron. */
export const CRON_FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** How far ahead a match is searched: long enough for 29 February across a skipped leap year (2100). */
const SEARCH_DAYS = 8 * 366 + 1;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Parses an expression; throws an Error naming the field and value that are wrong. */
export function parseCron(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (expression.trim() === '' || fields.length !== 5) {
    throw new Error(
      `cron expression ${JSON.stringify(expression)} has ${expression.trim() === '' ? 0 : fields.length} fields; expected 5 (minute hour day-of-month month day-of-week)`,
    );
  }
  const sets = fields.map((text, i) => parseField(text, CRON_FIELDS[i]!, expression));
  const daysOfWeek = new Set([...sets[4]!].map((d) => d % 7));
  return {
    minutes: sets[0]!,
    hours: sets[1]!,
    daysOfMonth: sets[2]!,
    months: sets[3]!,
    daysOfWeek,
    dayOfMonthRestricted: fields[2] !== '*',
    dayOfWeekRestricted: fields[4] !== '*',
  };
}

/** The first minute (ms, UTC) strictly after `afterMs` that the schedule matches; throws when none comes within 8 years. */
export function nextCronTime(schedule: CronSchedule, afterMs: number): number {
  const start = Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const firstDay = Math.floor(start / DAY_MS) * DAY_MS;
  const hours = [...schedule.hours].sort((a, b) => a - b);
  const minutes = [...schedule.minutes].sort((a, b) => a - b);
  for (let day = 0; day < SEARCH_DAYS; day++) {
    const dayStart = firstDay + day * DAY_MS;
    if (!dayMatches(schedule, new Date(dayStart))) continue;
    for (const h of hours) {
      for (const m of minutes) {
        const t = dayStart + h * 3_600_000 + m * MINUTE_MS;
        if (t >= start) return t;
      }
    }
  }
  throw new Error(
    `the cron schedule never fires within ${SEARCH_DAYS} days of ${new Date(afterMs).toISOString()}`,
  );
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  if (!s.months.has(d.getUTCMonth() + 1)) return false;
  const dom = s.daysOfMonth.has(d.getUTCDate());
  const dow = s.daysOfWeek.has(d.getUTCDay());
  return s.dayOfMonthRestricted && s.dayOfWeekRestricted ? dom || dow : dom && dow;
}

function parseField(text: string, field: CronField, expression: string): Set<number> {
  const values = new Set<number>();
  const bad = (why: string): Error =>
    new Error(`cron expression ${JSON.stringify(expression)}: the ${field.name} field ${why}`);
  for (const part of text.split(',')) {
    const m = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(part);
    if (!m) throw bad(`${JSON.stringify(part)} is not a number, range, step or *`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1 || step > field.max) throw bad(`step ${m[2]} is out of range 1-${field.max}`);
    let from = field.min;
    let to = field.max;
    if (m[1] !== '*') {
      const bounds = m[1]!.split('-').map((v) => valueOf(v, field));
      if (bounds.some((b) => b === undefined)) {
        throw bad(`${JSON.stringify(m[1])} is out of range ${field.min}-${field.max}`);
      }
      from = bounds[0]!;
      // `5/15` means from 5 to the end in steps of 15, as in cron.
      to = bounds.length === 2 ? bounds[1]! : m[2] === undefined ? from : field.max;
      if (from > to) throw bad(`range ${JSON.stringify(m[1])} runs backwards`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function valueOf(text: string, field: CronField): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  return index === -1 ? undefined : field.min + index;
}
