import { describe, expect, it } from 'vitest';
import { createFakeKong, isMutating } from './fake.ts';
import { adminCall } from '../../master/src/kong/test/fixtures.ts';

/** The fake answers like Kong 3.9 for every call supafleet makes. */

const svc = { host: '10.100.0.2', port: 3000, tags: ['supafleet', 'project-acme'] };

describe('fake Kong Admin API', () => {
  it('when a service is PUT by name twice, then the second replaces the first, keeping its id and resetting omitted fields', async () => {
    const fake = createFakeKong();
    const a = await adminCall(fake, 'PUT', '/services/acme-rest', { ...svc, retries: 2 });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      name: 'acme-rest',
      host: '10.100.0.2',
      retries: 2,
      protocol: 'http',
      path: null,
    });
    const b = await adminCall(fake, 'PUT', '/services/acme-rest', { ...svc, port: 3001 });
    expect(b.body).toMatchObject({ id: (a.body as { id: string }).id, port: 3001, retries: 5 });
    expect(fake.state().services).toHaveLength(1);
  });

  it('when an entity is PUT by a UUID, then that UUID becomes its id', async () => {
    const fake = createFakeKong();
    const id = '2b0e7c51-6f64-5d2e-9a7c-0c4b1f6f7e21';
    const res = await adminCall(fake, 'PUT', `/services/${id}`, { ...svc, name: 'acme-x' });
    expect(res.body).toMatchObject({ id, name: 'acme-x' });
    expect((await adminCall(fake, 'GET', '/services/acme-x')).body).toMatchObject({ id });
  });

  it("when a name is POSTed twice, then the second answers 409 with Kong's unique-violation body (kong/db/errors.lua:361-369; Kong's spec 02-db_core_entities_spec.lua:1480-1487)", async () => {
    const fake = createFakeKong();
    expect((await adminCall(fake, 'POST', '/services', { ...svc, name: 'dup' })).status).toBe(201);
    const res = await adminCall(fake, 'POST', '/services', { ...svc, name: 'dup' });
    expect(res).toEqual({
      status: 409,
      body: {
        code: 5,
        name: 'unique constraint violation',
        message: 'UNIQUE violation detected on \'{name="dup"}\'',
        fields: { name: 'dup' },
      },
    });
  });

  it('when a missing entity is read, then 404 {"message":"Not found"}; when deleted, then 204 as Kong does', async () => {
    const fake = createFakeKong();
    expect(await adminCall(fake, 'GET', '/routes/nope')).toEqual({
      status: 404,
      body: { message: 'Not found' },
    });
    expect(await adminCall(fake, 'GET', '/nothing-here')).toEqual({
      status: 404,
      body: { message: 'Not found' },
    });
    expect((await adminCall(fake, 'DELETE', '/routes/nope')).status).toBe(204);
    expect((await adminCall(fake, 'GET', '/consumers/nope/acls')).status).toBe(404);
  });

  it.each([
    [{ ...svc, colour: 'red' }, 'schema violation (colour: unknown field)'],
    [{ port: 1 }, 'schema violation (host: required field missing)'],
    [{ ...svc, port: 70000 }, 'schema violation (port: value should be between 0 and 65535)'],
    [{ ...svc, tags: ['a,b'] }, "invalid tag 'a,b'"],
  ])('when a service body is %o, then 400 says %s', async (body, message) => {
    const res = await adminCall(createFakeKong(), 'POST', '/services', body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 2, name: 'schema violation' });
    expect((res.body as { message: string }).message).toContain(message);
  });

  it('when a plugin config has an unknown field or an unknown plugin is named, then 400', async () => {
    const fake = createFakeKong();
    await adminCall(fake, 'PUT', '/services/s1', svc);
    await adminCall(fake, 'PUT', '/services/s1/routes/r1', { paths: ['/x'] });
    const bad = await adminCall(fake, 'POST', '/routes/r1/plugins', {
      name: 'acl',
      config: { allow: ['a'], bogus: 1 },
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { fields: unknown }).fields).toEqual({ config: { bogus: 'unknown field' } });
    const unknown = await adminCall(fake, 'POST', '/routes/r1/plugins', { name: 'no-such-plugin' });
    expect((unknown.body as { message: string }).message).toContain("plugin 'no-such-plugin' not enabled");
    const both = await adminCall(fake, 'POST', '/routes/r1/plugins', {
      name: 'acl',
      config: { allow: ['a'], deny: ['b'] },
    });
    expect(both.status).toBe(400);
  });

  it('when a plugin is PUT by instance name under a route, then it is scoped to that route with defaults filled in', async () => {
    const fake = createFakeKong();
    await adminCall(fake, 'PUT', '/services/s1', svc);
    const route = await adminCall(fake, 'PUT', '/services/s1/routes/r1', { paths: ['/x'] });
    const res = await adminCall(fake, 'PUT', '/routes/r1/plugins/r1-key-auth', { name: 'key-auth' });
    expect(res.body).toMatchObject({
      instance_name: 'r1-key-auth',
      route: { id: (route.body as { id: string }).id },
      service: null,
      config: { key_names: ['apikey'], anonymous: null, hide_credentials: false },
    });
    // One plugin of a kind per route: a second key-auth on r1 conflicts.
    expect((await adminCall(fake, 'POST', '/routes/r1/plugins', { name: 'key-auth' })).status).toBe(409);
  });

  it('when listing with tags, then "," means all tags and "/" means any tag; more than 5 or both separators is 400', async () => {
    const fake = createFakeKong();
    await adminCall(fake, 'PUT', '/consumers/a', { tags: ['x', 'y'] });
    await adminCall(fake, 'PUT', '/consumers/b', { tags: ['x'] });
    await adminCall(fake, 'PUT', '/consumers/c', { tags: ['z'] });
    const names = async (q: string): Promise<string[]> =>
      ((await adminCall(fake, 'GET', `/consumers?${q}`)).body as { data: { username: string }[] }).data
        .map((c) => c.username)
        .sort();
    expect(await names('tags=x,y')).toEqual(['a']);
    expect(await names('tags=y/z')).toEqual(['a', 'c']);
    expect(await names('tags=x')).toEqual(['a', 'b']);
    expect((await adminCall(fake, 'GET', '/consumers?tags=a,b,c,d,e,f')).status).toBe(400);
    expect((await adminCall(fake, 'GET', '/consumers?tags=a,b/c')).status).toBe(400);
  });

  it('when listing, then pages hold 100 by default, at most 1000, and {data, next, offset} leads to the rest', async () => {
    const fake = createFakeKong();
    for (let i = 0; i < 250; i++) await adminCall(fake, 'PUT', `/consumers/u${i}`, {});
    const first = (await adminCall(fake, 'GET', '/consumers')).body as {
      data: unknown[];
      next: string;
      offset: string;
    };
    expect(first.data).toHaveLength(100);
    expect(first.next).toContain(`offset=${first.offset}`);
    const seen = new Set<string>();
    let offset: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = (await adminCall(fake, 'GET', `/consumers?size=60${offset ? `&offset=${offset}` : ''}`))
        .body as {
        data: { id: string }[];
        next: string | null;
        offset?: string;
      };
      for (const c of res.data) seen.add(c.id);
      if (res.next === null) {
        expect(res.offset).toBeUndefined();
        break;
      }
      offset = res.offset;
    }
    expect(seen.size).toBe(250);
    expect((await adminCall(fake, 'GET', '/consumers?size=1001')).body).toMatchObject({
      code: 9,
      name: 'invalid size',
    });
    expect((await adminCall(fake, 'GET', '/consumers?offset=@@')).body).toMatchObject({
      code: 7,
      name: 'invalid offset',
    });
  });

  it('when listing a nested collection with tags, then the tags are ignored as in Kong', async () => {
    const fake = createFakeKong();
    await adminCall(fake, 'PUT', '/consumers/a', {});
    await adminCall(fake, 'POST', '/consumers/a/acls', { group: 'g1', tags: ['t1'] });
    await adminCall(fake, 'POST', '/consumers/a/acls', { group: 'g2', tags: ['t2'] });
    const nested = (await adminCall(fake, 'GET', '/consumers/a/acls?tags=t1')).body as { data: unknown[] };
    expect(nested.data).toHaveLength(2);
    const top = (await adminCall(fake, 'GET', '/acls?tags=t1')).body as { data: unknown[] };
    expect(top.data).toHaveLength(1);
  });

  it('when a consumer gets key-auth credentials, then keys are unique across consumers and a key is generated when none is given', async () => {
    const fake = createFakeKong();
    await adminCall(fake, 'PUT', '/consumers/a', {});
    await adminCall(fake, 'PUT', '/consumers/b', {});
    expect((await adminCall(fake, 'POST', '/consumers/a/key-auth', { key: 'k1' })).status).toBe(201);
    expect((await adminCall(fake, 'POST', '/consumers/b/key-auth', { key: 'k1' })).status).toBe(409);
    const gen = await adminCall(fake, 'POST', '/consumers/b/key-auth', {});
    expect((gen.body as { key: string }).key).toMatch(/^[A-Za-z0-9]{32}$/);
    const acl = await adminCall(fake, 'PUT', '/consumers/a/acls/g1', {});
    expect(acl.body).toMatchObject({ group: 'g1' });
    expect((await adminCall(fake, 'POST', '/consumers/a/acls', { group: 'g1' })).status).toBe(409);
  });

  it('when a service still has routes, then deleting it is refused; when a consumer is deleted, then its credentials cascade', async () => {
    const fake = createFakeKong();
    await adminCall(fake, 'PUT', '/services/s1', svc);
    await adminCall(fake, 'PUT', '/services/s1/routes/r1', { paths: ['/x'] });
    const res = await adminCall(fake, 'DELETE', '/services/s1');
    expect(res).toMatchObject({ status: 400, body: { code: 4, name: 'foreign key violation' } });
    await adminCall(fake, 'PUT', '/consumers/a', {});
    await adminCall(fake, 'POST', '/consumers/a/key-auth', { key: 'k1' });
    await adminCall(fake, 'DELETE', '/consumers/a');
    expect(fake.state()['key-auths']).toEqual([]);
  });

  it('when calls are made, then the call log records method, path, query and status, never bodies', async () => {
    const fake = createFakeKong();
    await adminCall(fake, 'PUT', '/consumers/a', {});
    await adminCall(fake, 'POST', '/consumers/a/key-auth', { key: 'very-secret-key' });
    await adminCall(fake, 'GET', '/consumers?size=5');
    expect(fake.calls()).toEqual([
      { method: 'PUT', path: '/consumers/a', query: '', status: 200 },
      { method: 'POST', path: '/consumers/a/key-auth', query: '', status: 201 },
      { method: 'GET', path: '/consumers', query: 'size=5', status: 200 },
    ]);
    expect(fake.calls().filter(isMutating)).toHaveLength(2);
    expect(JSON.stringify(fake.calls())).not.toContain('very-secret-key');
  });

  it('when the body is not JSON, then 400 "Cannot parse JSON body"', async () => {
    const fake = createFakeKong();
    const res = await fake.fetch('http://fake-kong.invalid:8001/services', { method: 'POST', body: '{nope' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: 'Cannot parse JSON body' });
  });
});
