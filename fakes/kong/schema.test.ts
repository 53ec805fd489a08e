import { describe, expect, it } from 'vitest';
import { adminCall } from '../../master/src/kong/test/fixtures.ts';
import { createFakeKong } from './fake.ts';

/**
 * The Admin API refuses what Kong 3.9.1's schemas refuse (400, code 2 `schema violation`), as
 * transcribed in schema.ts. The cases are the contract audit's C1 table plus the checks
 * supafleet's bodies pass through; each names the Lua line (Kong/kong at tag 3.9.1).
 */

const svc = { host: '10.100.0.2', port: 3000 };

async function withRoute(): Promise<ReturnType<typeof createFakeKong>> {
  const fake = createFakeKong();
  expect((await adminCall(fake, 'PUT', '/services/s1', svc)).status).toBe(200);
  expect(
    (await adminCall(fake, 'PUT', '/services/s1/routes/r1', { hosts: ['a.test'], paths: ['/x'] })).status,
  ).toBe(200);
  return fake;
}

describe('schema refusals (400 schema violation)', () => {
  const cases: {
    name: string;
    path: string;
    body: Record<string, unknown>;
    field: string;
    message: string;
  }[] = [
    {
      name: 'acl allow: [] (acl/schema.lua:24-27, is_nonempty: db/schema/init.lua:429-438)',
      path: '/routes/r1/plugins',
      body: { name: 'acl', config: { allow: [] } },
      field: '@entity',
      message: "at least one of these fields must be non-empty: 'config.allow', 'config.deny'",
    },
    {
      name: 'acl allow and deny (acl/schema.lua:25)',
      path: '/routes/r1/plugins',
      body: { name: 'acl', config: { allow: ['a'], deny: ['b'] } },
      field: '@entity',
      message: "exactly one of these fields must be non-empty: 'config.allow', 'config.deny'",
    },
    {
      name: 'acl include_consumer_groups, an Enterprise field (acl/schema.lua:9-21)',
      path: '/routes/r1/plugins',
      body: { name: 'acl', config: { allow: ['a'], include_consumer_groups: true } },
      field: 'config',
      message: 'config.include_consumer_groups: unknown field',
    },
    {
      name: 'cors allow_origin_absent, not in 3.9.1 (cors/schema.lua:31-51)',
      path: '/routes/r1/plugins',
      body: { name: 'cors', config: { allow_origin_absent: true } },
      field: 'config',
      message: 'config.allow_origin_absent: unknown field',
    },
    {
      name: 'plugin ordering, an Enterprise field (db/schema/entities/plugins.lua:16-29)',
      path: '/routes/r1/plugins',
      body: { name: 'cors', ordering: { before: { access: ['key-auth'] } } },
      field: 'ordering',
      message: 'ordering: unknown field',
    },
    {
      name: 'key-auth key_names: null (key-auth/schema.lua:12-16)',
      path: '/routes/r1/plugins',
      body: { name: 'key-auth', config: { key_names: null } },
      field: 'config',
      message: 'config.key_names: required field missing',
    },
    {
      name: 'request-transformer add header without a colon (request-transformer/schema.lua:83-88)',
      path: '/routes/r1/plugins',
      body: { name: 'request-transformer', config: { add: { headers: ['X-No-Colon'] } } },
      field: 'config',
      message: 'config.add: ',
    },
    {
      name: 'request-termination message and body (request-termination/schema.lua:27-43)',
      path: '/routes/r1/plugins',
      body: { name: 'request-termination', config: { message: 'm', body: 'b' } },
      field: 'config',
      message: 'message cannot be used with content_type or body',
    },
    {
      name: 'route path with an empty segment (typedefs.lua:602-606)',
      path: '/services/s1/routes',
      body: { hosts: ['a.test'], paths: ['/a//b'] },
      field: 'paths',
      message: 'paths: must not have empty segments',
    },
    {
      name: 'route path not normalised (typedefs.lua:508-516)',
      path: '/services/s1/routes',
      body: { hosts: ['a.test'], paths: ['/a/../b'] },
      field: 'paths',
      message: "paths: non-normalized path, consider use '/b' instead",
    },
    {
      name: 'route methods in lower case (typedefs.lua:247-251)',
      path: '/services/s1/routes',
      body: { hosts: ['a.test'], methods: ['get'] },
      field: 'methods',
      message: 'methods: invalid value: get',
    },
    {
      name: 'route protocols http and tcp (routes.lua:159-164)',
      path: '/services/s1/routes',
      body: { hosts: ['a.test'], protocols: ['http', 'tcp'] },
      field: 'protocols',
      message: 'protocols: these sets are mutually exclusive',
    },
    {
      name: 'route headers naming Host (routes.lua:190-199)',
      path: '/services/s1/routes',
      body: { paths: ['/h'], headers: { Host: ['a.test'] } },
      field: 'headers',
      message: "cannot contain 'host' header, which must be specified in the 'hosts' attribute",
    },
    {
      name: 'http route without any matcher (routes_subschemas.lua:12-19)',
      path: '/services/s1/routes',
      body: { protocols: ['http'] },
      field: '@entity',
      message: "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'",
    },
    {
      name: 'service name with a space (typedefs.lua:137-151)',
      path: '/services',
      body: { ...svc, name: 'a b' },
      field: 'name',
      message:
        "name: invalid value 'a b': the only accepted ascii characters are alphanumerics or ., -, _, and ~",
    },
    {
      name: 'service host with a port (typedefs.lua:24-35)',
      path: '/services',
      body: { host: '10.0.0.1:80' },
      field: 'host',
      message: 'host: must not have a port',
    },
    {
      name: 'service path not starting with / (typedefs.lua:318-328)',
      path: '/services',
      body: { ...svc, path: 'x' },
      field: 'path',
      message: 'path: should start with: /',
    },
    {
      name: 'consumer without username or custom_id (consumers.lua:32-34)',
      path: '/consumers',
      body: { tags: ['t'] },
      field: '@entity',
      message: "at least one of these fields must be non-empty: 'custom_id', 'username'",
    },
    {
      name: 'key-auth on a consumer-scoped plugin (typedefs.no_consumer, key-auth/schema.lua:7)',
      path: '/consumers/c1/plugins',
      body: { name: 'key-auth' },
      field: 'consumer',
      message: 'consumer: value must be null',
    },
  ];

  it.each(cases)('when the body is $name, then Kong refuses it', async (c) => {
    const fake = await withRoute();
    await adminCall(fake, 'PUT', '/consumers/c1', {});
    const res = await adminCall(fake, 'POST', c.path, c.body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    const body = res.body as { code: number; name: string; message: string; fields: Record<string, unknown> };
    expect(body).toMatchObject({ code: 2, name: 'schema violation' });
    expect(Object.keys(body.fields)).toContain(c.field);
    expect(body.message).toContain(c.message);
  });

  it.each([
    [
      'cors max_age as a fraction (a number in cors/schema.lua:47)',
      { name: 'cors', config: { max_age: 1.5 } },
    ],
    ['a tag with a space (typedefs.lua:127)', { name: 'cors', tags: ['two words'] }],
    [
      'request-transformer replace of Host (request-transformer/schema.lua:83-88)',
      { name: 'request-transformer', config: { replace: { headers: ['Host:x.internal'] } } },
    ],
  ])('when the body is %s, then Kong accepts it', async (_name, body) => {
    const fake = await withRoute();
    const res = await adminCall(fake, 'POST', '/routes/r1/plugins', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  it('when a tag list or protocol set repeats a value, then Kong stores it once (db/schema/init.lua:1669-1671 make_set)', async () => {
    const fake = createFakeKong();
    const res = await adminCall(fake, 'PUT', '/services/s1', { ...svc, tags: ['a', 'a', 'b'] });
    expect((res.body as { tags: string[] }).tags).toEqual(['a', 'b']);
  });
});

describe('Admin API error shapes', () => {
  it('when a POST carries an id that exists, then 400 primary key violation (api/endpoints.lua:28)', async () => {
    const fake = createFakeKong();
    const id = '6f1c3c8e-55b1-4d8f-9c57-3c1e9f0b2a11';
    expect((await adminCall(fake, 'POST', '/services', { ...svc, id })).status).toBe(201);
    const res = await adminCall(fake, 'POST', '/services', { ...svc, id, name: 'other' });
    expect(res).toMatchObject({ status: 400, body: { code: 3, name: 'primary key violation' } });
  });

  it('when a PUT body names another key than the URL, then the URL key wins (db/dao/init.lua:571-636)', async () => {
    const fake = createFakeKong();
    const res = await adminCall(fake, 'PUT', '/services/from-url', { ...svc, name: 'from-body' });
    expect(res).toMatchObject({ status: 200, body: { name: 'from-url' } });
  });

  it('when a tag filter mixes , and /, then 400 invalid options with the detail under `options` (db/errors.lua:443-475)', async () => {
    const res = await adminCall(createFakeKong(), 'GET', '/services?tags=a,b/c');
    expect(res).toMatchObject({
      status: 400,
      body: { code: 11, options: { tags: 'invalid filter syntax' } },
    });
  });

  it('when pages are served, then the offset is standard base64 without padding (strategies/postgres/init.lua:521-522)', async () => {
    const fake = createFakeKong();
    for (let i = 0; i < 30; i++) await adminCall(fake, 'PUT', `/consumers/u${i}`, {});
    let offset: string | undefined;
    for (let page = 0; page < 30; page++) {
      const res = (
        await adminCall(
          fake,
          'GET',
          `/consumers?size=1${offset ? `&offset=${encodeURIComponent(offset)}` : ''}`,
        )
      ).body as { offset?: string };
      if (res.offset === undefined) break;
      expect(res.offset).toMatch(/^[A-Za-z0-9+/]+$/);
      offset = res.offset;
    }
  });
});
