import { describe, expect, it } from 'vitest';
import { pgErrorStatus } from './rest.ts';

/** The rest stand-in's status for a Postgres error against PostgREST v14.5 (Error.hs:588-636). */
describe('rest stand-in: pgErrorStatus', () => {
  it.each([
    ['42501', true, '', 403],
    ['42501', false, '', 401],
    ['23505', true, '', 409],
    ['23503', true, '', 409],
    ['42P01', true, '', 404],
    ['42883', true, 'function f() does not exist', 404],
    ['P0001', true, '', 400],
    ['22P02', true, '', 400],
    ['42P17', true, 'infinite recursion detected in policy', 500],
    ['25006', true, '', 405],
    ['08006', true, '', 503],
    ['53300', true, '', 503],
    ['0A000', true, '', 400],
    ['P0002', true, '', 500],
    ['22023', true, 'role "ghost" does not exist', 401],
    ['21000', true, 'UPDATE requires a WHERE clause', 400],
    [undefined, true, '', 500],
  ] as const)(
    'when Postgres answers %s (authenticated: %s), then the status is what PostgREST answers',
    (code, authed, message, want) => {
      expect(pgErrorStatus(code, authed, message)).toBe(want);
    },
  );
});
