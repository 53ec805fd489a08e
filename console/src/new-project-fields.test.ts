import { describe, expect, it } from 'vitest';
import { FIELD_PATHS, placeError } from './new-project-fields.ts';
import { EMPTY_FORM } from './new-project-spec.ts';

describe('placeError (which field an error belongs to)', () => {
  it.each([
    { path: '/name', message: 'm', want: { field: 'name', message: 'm' } },
    { path: '/server/location', message: 'm', want: { field: 'location', message: 'm' } },
    {
      path: '',
      message: 'missing required key "name"',
      want: { field: 'name', message: 'missing required key "name"' },
    },
    {
      path: '/server',
      message: 'missing required key "type"',
      want: { field: 'serverType', message: 'missing required key "type"' },
    },
    { path: '/auth/redirect_urls/2', message: 'm', want: { field: 'redirectUrls', message: 'line 3: m' } },
    { path: '/api/cors_origins/0', message: 'm', want: { field: 'corsOrigins', message: 'line 1: m' } },
    { path: '/backup/keep/weekly', message: 'm', want: { field: 'keepWeekly', message: 'm' } },
    { path: '/functions', message: 'm', want: { message: 'm' } },
    { path: '/namespace', message: 'm', want: { message: 'm' } },
  ])('when the error is at $path, then it goes to $want.field', ({ path, message, want }) => {
    expect(placeError(path, message)).toEqual(want);
  });

  it('when the form has a field, then it has a path', () => {
    expect(Object.keys(FIELD_PATHS).sort()).toEqual(Object.keys(EMPTY_FORM).sort());
  });
});
