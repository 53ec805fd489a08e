import { describe, expect, it } from 'vitest';
import { hostWithoutPort, upstreamPath } from './proxy-route.ts';

describe('upstreamPath', () => {
  // get_upstream_uri_v0 (kong/router/utils.lua:146-204 at 3.9.1), plus the paths supafleet's layout
  // produces. Kong 3.9's default router calls v0 for v1 routes too (kong/router/atc.lua:343).
  const cases: {
    name: string;
    service: string | null;
    route: string;
    strip: boolean;
    handling: 'v0' | 'v1';
    request: string;
    want: string;
  }[] = [
    {
      name: 'v0, no strip',
      service: '/s',
      route: '/fv0',
      strip: false,
      handling: 'v0',
      request: '/fv0req',
      want: '/s/fv0req',
    },
    {
      name: 'v1, no strip (as v0: traditional_compatible)',
      service: '/s',
      route: '/fv1',
      strip: false,
      handling: 'v1',
      request: '/fv1req',
      want: '/s/fv1req',
    },
    {
      name: 'v0, strip',
      service: '/s',
      route: '/tv0',
      strip: true,
      handling: 'v0',
      request: '/tv0req',
      want: '/s/req',
    },
    {
      name: 'v1, strip (as v0: traditional_compatible)',
      service: '/s',
      route: '/tv1',
      strip: true,
      handling: 'v1',
      request: '/tv1req',
      want: '/s/req',
    },
    {
      name: 'v0, no strip, slash',
      service: '/s',
      route: '/fv0/',
      strip: false,
      handling: 'v0',
      request: '/fv0/req',
      want: '/s/fv0/req',
    },
    {
      name: 'v1, no strip, slash (as v0: traditional_compatible)',
      service: '/s',
      route: '/fv1/',
      strip: false,
      handling: 'v1',
      request: '/fv1/req',
      want: '/s/fv1/req',
    },
    {
      name: 'v0, strip, slash',
      service: '/s',
      route: '/tv0/',
      strip: true,
      handling: 'v0',
      request: '/tv0/req',
      want: '/s/req',
    },
    {
      name: 'v1, strip, slash (as v0: traditional_compatible)',
      service: '/s',
      route: '/tv1/',
      strip: true,
      handling: 'v1',
      request: '/tv1/req',
      want: '/s/req',
    },
    {
      name: 'v0, strip, nothing left',
      service: '/s',
      route: '/tv0',
      strip: true,
      handling: 'v0',
      request: '/tv0',
      want: '/s',
    },
    {
      name: 'v0, strip, nothing left after slash',
      service: '/s',
      route: '/tv0/',
      strip: true,
      handling: 'v0',
      request: '/tv0/',
      want: '/s/',
    },
    {
      name: 'rest: root service',
      service: '/',
      route: '/rest/v1/',
      strip: true,
      handling: 'v0',
      request: '/rest/v1/todos',
      want: '/todos',
    },
    {
      name: 'rest: the prefix itself',
      service: '/',
      route: '/rest/v1/',
      strip: true,
      handling: 'v0',
      request: '/rest/v1/',
      want: '/',
    },
    {
      name: 'graphql: service path, nothing left',
      service: '/rpc/graphql',
      route: '/graphql/v1',
      strip: true,
      handling: 'v0',
      request: '/graphql/v1',
      want: '/rpc/graphql',
    },
    {
      name: 'realtime: websocket under /socket',
      service: '/socket',
      route: '/realtime/v1/',
      strip: true,
      handling: 'v0',
      request: '/realtime/v1/websocket',
      want: '/socket/websocket',
    },
    {
      name: 'auth verify: fixed upstream path',
      service: '/verify',
      route: '/auth/v1/verify',
      strip: true,
      handling: 'v0',
      request: '/auth/v1/verify',
      want: '/verify',
    },
    {
      name: 'no service path',
      service: null,
      route: '/pg/',
      strip: true,
      handling: 'v0',
      request: '/pg/tables',
      want: '/tables',
    },
  ];
  it.each(cases)('when $name ($request via $route to $service), then upstream gets $want', (c) => {
    expect(
      upstreamPath(c.service, { strip_path: c.strip, path_handling: c.handling }, c.route, c.request),
    ).toBe(c.want);
  });
});

describe('hostWithoutPort', () => {
  it.each([
    ['acme.example.test', 'acme.example.test'],
    ['ACME.example.test:8443', 'acme.example.test'],
    ['[::1]:8000', '[::1]'],
    ['127.0.0.1:8000', '127.0.0.1'],
  ])('when the Host header is %s, then the router matches %s', (given, want) => {
    expect(hostWithoutPort(given)).toBe(want);
  });
});
