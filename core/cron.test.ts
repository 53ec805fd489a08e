import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { nextCronTime, parseCron } from './cron.ts';

const next = (expression: string, after: string): string =>
  new Date(nextCronTime(parseCron(expression), Date.parse(after))).toISOString();

/** cron-parser, a full cron library, is the reference the agent's own matcher is checked against. */
const reference = (expression: string, after: string): string =>
  CronExpressionParser.parse(expression, { currentDate: new Date(Date.parse(after)), tz: 'UTC' })
    .next()
    .toISOString()!;

const EXPRESSIONS = [
  '0 3 * * *',
  '*/15 * * * *',
  '5/20 1-23/4 * * *',
  '30 2 1 * *',
  '0 0 31 * *',
  '0 0 29 2 *',
  '0 4 * * sun',
  '0 4 * * 7',
  '15 1 * * MON-FRI',
  '0 0 13 * 5',
  '0 0 */10 * mon',
  '0 12 * jan,jul *',
  '0 0 1 * 0-7',
  '59 23 * dec sat',
  '0,30 6-8 1-7 * *',
];

const STARTS = [
  '2026-11-24T17:00:00.000Z',
  '2026-11-24T03:00:00.000Z',
  '2026-12-31T23:59:30.000Z',
  '2027-02-28T12:00:00.000Z',
  '2028-02-28T23:59:59.999Z',
];

describe('cron schedule', () => {
  it('when asked for the next run, then it is the next matching minute in UTC, strictly after', () => {
    expect(next('0 3 * * *', '2026-11-24T17:00:00Z')).toBe('2026-11-25T03:00:00.000Z');
    expect(next('0 3 * * *', '2026-11-24T03:00:00Z')).toBe('2026-11-25T03:00:00.000Z');
    expect(next('0 3 * * *', '2026-11-24T02:59:59.999Z')).toBe('2026-11-24T03:00:00.000Z');
  });

  it('when both day fields are restricted, then a day matching either fires', () => {
    // The 13th (a Sunday) and the next Friday, the 18th.
    expect(next('0 0 13 * 5', '2026-12-12T00:00:00Z')).toBe('2026-12-13T00:00:00.000Z');
    expect(next('0 0 13 * 5', '2026-12-13T00:00:00Z')).toBe('2026-12-18T00:00:00.000Z');
  });

  it('when 29 February is asked for, then the next leap year has it', () => {
    expect(next('0 0 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('when compared with a full cron library on many expressions and start times, then they agree', () => {
    for (const expression of EXPRESSIONS) {
      for (const after of STARTS) {
        expect(next(expression, after), `${expression} after ${after}`).toBe(reference(expression, after));
      }
    }
  });

  it('when the expression never fires (30 February), then the error says so', () => {
    expect(() => next('0 0 30 2 *', '2026-01-01T00:00:00Z')).toThrow(/never fires within 2929 days/);
  });

  it.each([
    ['every day', /has 2 fields; expected 5/],
    ['', /has 0 fields/],
    ['60 3 * * *', /the minute field "60" is out of range 0-59/],
    ['0 3 * * funday', /the day of week field "funday" is out of range 0-7/],
    ['0 3 * * 5-1', /the day of week field range "5-1" runs backwards/],
    ['*/0 3 * * *', /the minute field step 0 is out of range 1-59/],
    ['0 3 ? * *', /the day of month field "\?" is not a number, range, step or \*/],
  ])('when the expression is %j, then parsing names the problem', (expression, message) => {
    expect(() => parseCron(expression)).toThrow(message);
  });
});
