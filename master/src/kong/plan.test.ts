import { describe, expect, it } from 'vitest';
import { desiredKongState } from './desired.ts';
import type { KongActual } from './plan.ts';
import { emptyActual, jsonContains, jsonEqual, planKong } from './plan.ts';
import { projectInput } from './test/fixtures.ts';

const stray = (kind: string, name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: `00000000-0000-4000-8000-${name.padStart(12, '0').slice(-12)}`,
  name,
  tags: ['project-acme'],
  kind,
  ...extra,
});

describe('planKong', () => {
  it('when Kong is empty, then every entity is created, parents before children', () => {
    const desired = desiredKongState(projectInput('acme'));
    const plan = planKong(desired, emptyActual());
    const kinds = plan.ops.map((o) => o.kind);
    expect(plan.ops.every((o) => o.type === 'put' && o.reason === 'create')).toBe(true);
    expect(kinds.lastIndexOf('services')).toBeLessThan(kinds.indexOf('routes'));
    expect(kinds.lastIndexOf('routes')).toBeLessThan(kinds.indexOf('plugins'));
    expect(kinds.lastIndexOf('consumers')).toBeLessThan(kinds.indexOf('key-auths'));
  });

  it('when strays exist, then stray routes go before any upsert and stray services after all of them', () => {
    const actual: KongActual = {
      ...emptyActual(),
      services: [stray('services', '1') as never],
      routes: [stray('routes', '2', { service: { id: '00000000-0000-4000-8000-000000000001' } }) as never],
    };
    const plan = planKong(desiredKongState(projectInput('acme')), actual);
    expect(plan.ops[0]).toMatchObject({ type: 'delete', kind: 'routes' });
    expect(plan.ops.at(-1)).toMatchObject({ type: 'delete', kind: 'services' });
  });

  it('when nothing is desired, then everything is deleted children first', () => {
    const actual: KongActual = {
      ...emptyActual(),
      services: [stray('services', '1') as never],
      routes: [stray('routes', '2') as never],
      plugins: [stray('plugins', '3') as never],
    };
    expect(planKong(null, actual).ops.map((o) => o.kind)).toEqual(['plugins', 'routes', 'services']);
  });
});

describe('JSON comparison', () => {
  it.each([
    [{ a: 1 }, { a: 1, b: 2 }, true],
    [{ add: { headers: ['x:1'] } }, { add: { headers: ['x:1'], body: [] } }, true],
    [{ add: { headers: ['x:1'] } }, { add: { headers: ['x:1', 'y:2'] } }, false],
    [{ anonymous: null }, {}, true],
    [{ anonymous: null }, { anonymous: 'c' }, false],
    [{ allow: ['a'] }, { allow: 'a' }, false],
  ])('when %o is compared with %o, then contained is %s', (want, have, ok) => {
    expect(jsonContains(want, have)).toBe(ok);
  });

  it('when values differ only by undefined versus null, then they are equal', () => {
    expect(jsonEqual({ a: null }, { a: undefined })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  });
});
