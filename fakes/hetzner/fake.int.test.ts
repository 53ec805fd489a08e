import { afterEach, describe, expect, it } from 'vitest';
import { startFakeHetzner, type FakeHetzner, type FakeHetznerOptions } from './index.ts';

const TOKEN = 'f'.repeat(64);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read deep into JSON answers
type Json = Record<string, any>;
let fake: FakeHetzner | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeHetznerOptions = {}) {
  fake = await startFakeHetzner({ token: TOKEN, actionDurationMs: 0, ...options });
  const call = async (method: string, path: string, body?: unknown, token = TOKEN) => {
    const res = await fetch(`${fake!.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as Json) : undefined,
    };
  };
  return { fake, call };
}

const create = (name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  name,
  server_type: 'cx22',
  image: 'ubuntu-24.04',
  location: 'fsn1',
  labels,
  ...extra,
});

describe('fake Hetzner API', () => {
  it('when it starts, then it listens on 127.0.0.1 only', async () => {
    const { fake } = await start();
    expect(new URL(fake.url).hostname).toBe('127.0.0.1');
  });

  it('when a server is created, then the answer has server, action, next_actions and root_password', async () => {
    const { call } = await start();
    const res = await call('POST', '/servers', create('web'));
    expect(res.status).toBe(201);
    expect(Object.keys(res.body!).sort()).toEqual(['action', 'next_actions', 'root_password', 'server']);
    expect(res.body!.server).toMatchObject({
      name: 'web',
      status: 'initializing',
      server_type: { name: 'cx22' },
    });
    expect(res.body!.action).toMatchObject({ command: 'create_server', status: 'running', error: null });
  });

  it('when an action is read later, then it has progressed to success and the server runs', async () => {
    let now = 0;
    const { call } = await start({ actionDurationMs: 2000, now: () => now });
    const created = await call('POST', '/servers', create('web'));
    now = 1000;
    const half = await call('GET', `/actions/${created.body!.action.id}`);
    expect(half.body!.action).toMatchObject({ status: 'running', progress: 50 });
    now = 2000;
    const done = await call('GET', `/actions/${created.body!.action.id}`);
    expect(done.body!.action).toMatchObject({ status: 'success', progress: 100 });
    expect((await call('GET', `/servers/${created.body!.server.id}`)).body!.server.status).toBe('running');
  });

  it('when the token is wrong, then the answer is 401 unauthorized', async () => {
    const { call } = await start();
    const res = await call('GET', '/servers', undefined, 'wrong');
    expect(res).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
  });

  const invalid: [string, Record<string, unknown>, number, string][] = [
    [
      'user_data over 32 KiB',
      create('big', {}, { user_data: 'x'.repeat(32 * 1024 + 1) }),
      422,
      'invalid_input',
    ],
    ['a name that is no hostname', create('not_a_host'), 422, 'invalid_input'],
    ['an unknown server type', create('web', {}, { server_type: 'cx99' }), 422, 'invalid_input'],
    ['a type not sold in the location', create('web', {}, { location: 'ash' }), 412, 'resource_unavailable'],
    ['a reserved label prefix', create('web', { 'hetzner.cloud/x': 'y' }), 422, 'invalid_input'],
  ];
  for (const [what, body, status, code] of invalid) {
    it(`when a create has ${what}, then the answer is ${status} ${code}`, async () => {
      const { call, fake } = await start();
      const res = await call('POST', '/servers', body);
      expect(res).toMatchObject({ status, body: { error: { code } } });
      expect(fake.state().servers).toEqual([]);
    });
  }

  it('when a name is used twice, then the second create is 409 uniqueness_error', async () => {
    const { call } = await start();
    await call('POST', '/servers', create('web'));
    const res = await call('POST', '/servers', create('web'));
    expect(res).toMatchObject({
      status: 409,
      body: { error: { code: 'uniqueness_error', details: { fields: [{ name: 'name' }] } } },
    });
  });

  it('when the type of a running server is changed, then the answer is 422 server_not_stopped and the type stays', async () => {
    const { call, fake } = await start();
    const created = await call('POST', '/servers', create('web'));
    await call('GET', `/actions/${created.body!.action.id}`);
    const res = await call('POST', `/servers/${created.body!.server.id}/actions/change_type`, {
      server_type: 'cx32',
      upgrade_disk: false,
    });
    expect(res).toMatchObject({ status: 422, body: { error: { code: 'server_not_stopped' } } });
    expect(fake.state().servers[0]).toMatchObject({ server_type: 'cx22', status: 'running' });
  });

  it('when the body is not JSON, then the answer is 400 json_error', async () => {
    const { fake } = await start();
    const res = await fetch(`${fake.url}/servers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: '{',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('json_error');
  });

  it('when servers are listed by label selector, then in, notin and !k filter them', async () => {
    const { call } = await start();
    await call('POST', '/servers', create('a', { tier: 'web', env: 'prod' }));
    await call('POST', '/servers', create('b', { tier: 'db' }));
    await call('POST', '/servers', create('c', { tier: 'cache', env: 'dev' }));
    const names = async (selector: string) =>
      (
        (await call('GET', `/servers?label_selector=${encodeURIComponent(selector)}`)).body!.servers as {
          name: string;
        }[]
      ).map((s) => s.name);
    expect(await names('tier in (web,db)')).toEqual(['a', 'b']);
    expect(await names('tier notin (web,db)')).toEqual(['c']);
    expect(await names('!env')).toEqual(['b']);
    expect(await names('env,tier!=cache')).toEqual(['a']);
  });

  it('when a list spans pages, then meta.pagination and the Link header describe them', async () => {
    const { call } = await start();
    for (let i = 0; i < 5; i++) await call('POST', '/servers', create(`s${i}`));
    const res = await call('GET', '/servers?per_page=2&page=2');
    expect(res.body!.meta.pagination).toEqual({
      page: 2,
      per_page: 2,
      previous_page: 1,
      next_page: 3,
      last_page: 3,
      total_entries: 5,
    });
    const link = res.headers.get('link')!;
    expect(link).toMatch(
      /^<[^>]*[?&]page=1\b[^>]*>; rel="prev", <[^>]*[?&]page=3\b[^>]*>; rel="next", <[^>]*[?&]page=3\b[^>]*>; rel="last"$/,
    );
  });

  it('when actions are listed without ids, then the answer is 422 invalid_input (the id parameter is required)', async () => {
    const { call } = await start();
    expect(await call('GET', '/actions')).toMatchObject({
      status: 422,
      body: { error: { code: 'invalid_input' } },
    });
  });

  it('when a label selector does not parse, then the answer is 422 invalid_input', async () => {
    const { call } = await start();
    const res = await call('GET', `/servers?label_selector=${encodeURIComponent('a in (b')}`);
    expect(res).toMatchObject({ status: 422, body: { error: { code: 'invalid_input' } } });
  });

  it('when requests come, then RateLimit headers count down and an empty bucket answers 429', async () => {
    const { call } = await start({ rateLimit: { limit: 2, refillPerSecond: 0.001 } });
    const first = await call('GET', '/locations');
    expect(first.headers.get('ratelimit-limit')).toBe('2');
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    expect(Number(first.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    await call('GET', '/locations');
    const third = await call('GET', '/locations');
    expect(third).toMatchObject({ status: 429, body: { error: { code: 'rate_limit_exceeded' } } });
  });

  it('when error faults are injected, then matching calls fail that many times with real bodies', async () => {
    const { call, fake } = await start();
    fake.inject({ kind: 'error', status: 502, match: 'GET /locations', times: 2 });
    fake.inject({ kind: 'error', status: 504, html: true });
    expect((await call('GET', '/locations')).body!.error.code).toBe('bad_gateway');
    expect((await call('GET', '/locations')).status).toBe(502);
    const html = await fetch(`${fake.url}/locations`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(html.status).toBe(504);
    expect(await html.text()).toContain('<html>');
    expect((await call('GET', '/locations')).status).toBe(200);
  });

  it('when a server boots, then the onServerCreated hook receives it and its user_data', async () => {
    const seen: [string, string | undefined][] = [];
    const { call, fake } = await start();
    fake.onServerCreated((server, userData) => seen.push([String(server.name), userData]));
    const created = await call('POST', '/servers', create('web', {}, { user_data: '#cloud-config\n' }));
    await call('GET', `/actions/${created.body!.action.id}`);
    expect(seen).toEqual([['web', '#cloud-config\n']]);
  });

  it('when a firewall is applied by label selector, then matching servers list it', async () => {
    const { call } = await start();
    const fw = await call('POST', '/firewalls', {
      name: 'workers',
      labels: { role: 'fw' },
      rules: [{ direction: 'in', protocol: 'tcp', port: '22', source_ips: ['0.0.0.0/0'] }],
      apply_to: [{ type: 'label_selector', label_selector: { selector: 'role=worker' } }],
    });
    expect(fw.status).toBe(201);
    const worker = await call('POST', '/servers', create('w', { role: 'worker' }));
    const other = await call('POST', '/servers', create('o', { role: 'other' }));
    expect(worker.body!.server.public_net.firewalls).toEqual([
      { id: fw.body!.firewall.id, status: 'applied' },
    ]);
    expect(other.body!.server.public_net.firewalls).toEqual([]);
    const again = await call('POST', `/firewalls/${fw.body!.firewall.id}/actions/apply_to_resources`, {
      apply_to: [{ type: 'label_selector', label_selector: { selector: 'role=worker' } }],
    });
    expect(again).toMatchObject({ status: 422, body: { error: { code: 'firewall_already_applied' } } });
  });

  it('when a server is updated with PUT, then its whole label set is replaced and bad labels are refused', async () => {
    const { call } = await start();
    const created = await call('POST', '/servers', create('web', { a: '1', b: '2' }));
    const id = created.body!.server.id as number;
    const updated = await call('PUT', `/servers/${id}`, { labels: { c: '3' } });
    expect(updated.body!.server.labels).toEqual({ c: '3' });
    const bad = await call('PUT', `/servers/${id}`, { labels: { 'bad key!': 'x' } });
    expect(bad).toMatchObject({ status: 422, body: { error: { code: 'invalid_input' } } });
  });

  it('when nobody polls, then a finished create still reaches the onServerCreated hook', async () => {
    const { call, fake } = await start({ actionDurationMs: 20 });
    const booted = new Promise<string>((resolve) =>
      fake.onServerCreated((server) => resolve(String(server.name))),
    );
    await call('POST', '/servers', create('quiet'));
    await expect(booted).resolves.toBe('quiet');
  });
  describe('rebuild', () => {
    const rebuildPath = (id: number) => `/servers/${id}/actions/rebuild`;
    /** A running server, its create and start actions finished. */
    async function running(
      call: Awaited<ReturnType<typeof start>>['call'],
      extra: Record<string, unknown> = {},
    ) {
      const created = await call('POST', '/servers', create('web', { role: 'master' }, extra));
      expect(created.status).toBe(201);
      return created.body!.server as Json;
    }

    it('when a server is rebuilt, then it keeps id, name, labels and IPs, turns rebuilding then running, and boots the new user_data', async () => {
      let now = 0;
      const rebuilt: [string, string | undefined][] = [];
      const { call, fake } = await start({
        actionDurationMs: 1000,
        now: () => now,
        onServerRebuilt: (server, userData) => rebuilt.push([String(server.name), userData]),
      });
      const before = await running(call, { user_data: '#cloud-config\nold: 1\n' });
      now = 1000;
      const res = await call('POST', rebuildPath(before.id), {
        image: 'ubuntu-24.04',
        user_data: '#cloud-config\nnew: 1\n',
      });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body!).sort()).toEqual(['action', 'root_password']);
      expect(res.body!.action).toMatchObject({
        command: 'rebuild_server',
        status: 'running',
        resources: [{ id: before.id, type: 'server' }],
      });
      expect(res.body!.root_password).toMatch(/^\S{12,}$/);
      expect((await call('GET', `/servers/${before.id}`)).body!.server.status).toBe('rebuilding');
      expect(rebuilt).toEqual([]);
      now = 2000;
      const action = await call('GET', `/actions/${res.body!.action.id}`);
      expect(action.body!.action).toMatchObject({ status: 'success', progress: 100 });
      const after = (await call('GET', `/servers/${before.id}`)).body!.server as Json;
      expect(after.status).toBe('running');
      for (const key of ['id', 'name', 'labels', 'created']) expect(after[key]).toEqual(before[key]);
      expect(after.public_net.ipv4.ip).toBe(before.public_net.ipv4.ip);
      expect(after.public_net.ipv6.ip).toBe(before.public_net.ipv6.ip);
      expect(fake.state().servers).toMatchObject([{ user_data: '#cloud-config\nnew: 1\n' }]);
      expect(rebuilt).toEqual([['web', '#cloud-config\nnew: 1\n']]);
    });

    it('when a rebuild gives no user_data, then the stored one is kept', async () => {
      const { call, fake } = await start();
      const server = await running(call, { user_data: '#cloud-config\nold: 1\n' });
      expect((await call('POST', rebuildPath(server.id), { image: 'ubuntu-24.04' })).status).toBe(201);
      expect(fake.state().servers[0]!.user_data).toBe('#cloud-config\nold: 1\n');
    });

    it('when the server was created with SSH keys, then the rebuild returns no root password', async () => {
      const { call } = await start();
      const server = await running(call, { ssh_keys: ['ops'] });
      const res = await call('POST', rebuildPath(server.id), { image: 'ubuntu-24.04' });
      expect(res.body!.root_password).toBeNull();
    });

    const refused: [string, (id: number) => [string, Record<string, unknown>], number, string][] = [
      ['an unknown server id', () => [rebuildPath(999_999), { image: 'ubuntu-24.04' }], 404, 'not_found'],
      ['no image', (id) => [rebuildPath(id), {}], 422, 'invalid_input'],
      ['an unknown image', (id) => [rebuildPath(id), { image: 'windows-95' }], 422, 'invalid_input'],
      [
        'user_data over 32 KiB',
        (id) => [rebuildPath(id), { image: 'ubuntu-24.04', user_data: 'x'.repeat(32 * 1024 + 1) }],
        422,
        'invalid_input',
      ],
    ];
    for (const [what, request, status, code] of refused) {
      it(`when a rebuild names ${what}, then the answer is ${status} ${code} and the server is untouched`, async () => {
        const { call, fake } = await start();
        const server = await running(call, { user_data: 'keep' });
        const [path, body] = request(server.id);
        const res = await call('POST', path, body);
        expect(res).toMatchObject({ status, body: { error: { code } } });
        expect(fake.state().servers).toMatchObject([{ status: 'running', user_data: 'keep' }]);
      });
    }

    it('when an action is still running on the server, then a rebuild is 423 locked', async () => {
      const { call, fake } = await start({ actionDurationMs: 60_000 });
      const created = await call('POST', '/servers', create('web'));
      const res = await call('POST', rebuildPath(created.body!.server.id), { image: 'ubuntu-24.04' });
      expect(res).toMatchObject({ status: 423, body: { error: { code: 'locked' } } });
      expect(fake.state().actions.map((a) => a.command)).toEqual(['create_server', 'start_server']);
    });

    it('when the server actions are listed by status, then the running rebuild is among them', async () => {
      let now = 0;
      const { call } = await start({ actionDurationMs: 1000, now: () => now });
      const server = await running(call);
      now = 5000;
      const res = await call('POST', rebuildPath(server.id), { image: 'ubuntu-24.04' });
      const list = await call('GET', `/servers/${server.id}/actions?status=running`);
      expect(list.body!.actions.map((a: Json) => [a.id, a.command])).toEqual([
        [res.body!.action.id, 'rebuild_server'],
      ]);
      const all = await call('GET', `/servers/${server.id}/actions`);
      expect(all.body!.actions.map((a: Json) => a.command)).toEqual([
        'create_server',
        'start_server',
        'rebuild_server',
      ]);
      expect((await call('GET', '/servers/999999/actions')).status).toBe(404);
    });

    it('when faults are armed for rebuilds, then the request fails or the action ends in error and the server is off', async () => {
      const { call, fake } = await start();
      const server = await running(call);
      fake.inject({ kind: 'error', status: 503, match: 'POST /servers/{id}/actions/rebuild' });
      fake.inject({ kind: 'action_error', command: 'rebuild_server', code: 'server_error', message: 'disk' });
      const refused = await call('POST', rebuildPath(server.id), { image: 'ubuntu-24.04' });
      expect(refused).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
      expect(fake.state().servers[0]!.status).toBe('running');
      const res = await call('POST', rebuildPath(server.id), { image: 'ubuntu-24.04' });
      const action = await call('GET', `/actions/${res.body!.action.id}`);
      expect(action.body!.action).toMatchObject({
        status: 'error',
        error: { code: 'server_error', message: 'disk' },
      });
      expect(fake.state().servers[0]!.status).toBe('off');
    });
  });
});
