import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref, type Route } from './router.ts';

describe('parseRoute', () => {
  const cases: { name: string; hash: string; want: Route }[] = [
    { name: 'an empty fragment is the Fleet page', hash: '', want: { page: 'fleet' } },
    { name: '#/ is the Fleet page', hash: '#/', want: { page: 'fleet' } },
    {
      name: '#/project/<name> is that project',
      hash: '#/project/acme',
      want: { page: 'project', name: 'acme' },
    },
    {
      name: 'a trailing slash is ignored',
      hash: '#/project/blog-2/',
      want: { page: 'project', name: 'blog-2' },
    },
    { name: 'an encoded name is decoded', hash: '#/project/%61cme', want: { page: 'project', name: 'acme' } },
    {
      name: 'a name that is not a DNS label is the Fleet page',
      hash: '#/project/Acme',
      want: { page: 'fleet' },
    },
    { name: 'a broken escape is the Fleet page', hash: '#/project/%E0%A4%A', want: { page: 'fleet' } },
    { name: 'a deeper path is the Fleet page', hash: '#/project/acme/x', want: { page: 'fleet' } },
    { name: '#/new is the New-project form', hash: '#/new', want: { page: 'new' } },
    { name: 'anything else is the Fleet page', hash: '#/nowhere', want: { page: 'fleet' } },
  ];
  for (const c of cases) {
    it(`when the fragment is ${JSON.stringify(c.hash)}: ${c.name}`, () => {
      expect(parseRoute(c.hash)).toEqual(c.want);
    });
  }
});

describe('routeHref', () => {
  it('when a route is turned into a link and read back, then it is the same route', () => {
    const routes: Route[] = [{ page: 'fleet' }, { page: 'project', name: 'acme' }, { page: 'new' }];
    for (const r of routes) expect(parseRoute(routeHref(r))).toEqual(r);
  });
});
