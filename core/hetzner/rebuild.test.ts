/**
 * `HetznerClient.rebuildServer` against a scripted fetch: the requests it sends, how
 * Hetzner's answers map to results and errors, and the lost-answer case.
 */
import { describe, expect, it } from 'vitest';
import { HetznerClient } from './client.ts';
import { HetznerApiError, HetznerRefusedError } from './errors.ts';

const TOKEN = 'r'.repeat(64);
const GUARD = { fleet: 'prod', role: 'master' as const };
const MASTER_LABELS = { 'supafleet/fleet': 'prod', 'supafleet/role': 'master' };

type Reply = { status: number; body?: unknown } | Error;

function action(id: number, status = 'running') {
  return {
    id,
    command: 'rebuild_server',
    status,
    progress: 0,
    started: '2026-01-01T00:00:00+00:00',
    finished: null,
    resources: [{ id: 42, type: 'server' }],
    error: null,
  };
}

const server = (labels: Record<string, string> = MASTER_LABELS) => ({
  status: 200,
  body: { server: { id: 42, name: 'prod-master', status: 'running', labels } },
});
const failure = (status: number, code: string, details: unknown = null) => ({
  status,
  body: { error: { code, message: `${code} happened`, details } },
});
const rebuilt = (rootPassword: string | null = 'Zq3xV9-rootpw-k2') => ({
  status: 201,
  body: { action: action(7), root_password: rootPassword },
});

function client(replies: Reply[]) {
  const seen: { method: string; url: string; body: unknown; headers: Record<string, string> }[] = [];
  const fetchFn = (async (url: string, init: RequestInit) => {
    seen.push({
      method: init.method ?? 'GET',
      url: url.replace('http://hetzner.test/v1', ''),
      body: init.body === undefined ? undefined : JSON.parse(String(init.body)),
      headers: init.headers as Record<string, string>,
    });
    const reply = replies.shift();
    if (!reply) throw new Error('script exhausted');
    if (reply instanceof Error) throw reply;
    const text = reply.body === undefined ? null : JSON.stringify(reply.body);
    return new Response(text, { status: reply.status });
  }) as unknown as typeof fetch;
  const hetzner = new HetznerClient({
    token: TOKEN,
    endpoint: 'http://hetzner.test/v1',
    fetch: fetchFn,
    sleep: async () => {},
    random: () => 0.5,
    now: () => 0,
  });
  return { hetzner, seen, calls: () => seen.map((s) => `${s.method} ${s.url}`) };
}

describe('HetznerClient.rebuildServer', () => {
  it('when the server carries the guard labels, then it posts image and user_data to the rebuild action', async () => {
    const { hetzner, seen, calls } = client([server(), rebuilt()]);
    const result = await hetzner.rebuildServer(
      42,
      { image: 'ubuntu-24.04', user_data: '#cloud-config\n' },
      GUARD,
    );
    expect(calls()).toEqual(['GET /servers/42', 'POST /servers/42/actions/rebuild']);
    expect(seen[1]!.body).toEqual({ image: 'ubuntu-24.04', user_data: '#cloud-config\n' });
    expect(seen[1]!.headers).toMatchObject({
      Authorization: `Bearer ${TOKEN}`,
      'Content-Type': 'application/json',
    });
    expect(result.action).toMatchObject({ id: 7, command: 'rebuild_server', status: 'running' });
    expect(result.resumed).toBe(false);
  });

  it('when Hetzner returns a root password, then it comes back as a Secret that prints as [redacted]', async () => {
    const { hetzner } = client([server(), rebuilt('Zq3xV9-rootpw-k2')]);
    const result = await hetzner.rebuildServer(42, { image: 'ubuntu-24.04' }, GUARD);
    expect(result.rootPassword?.reveal()).toBe('Zq3xV9-rootpw-k2');
    expect(`${String(result.rootPassword)} ${JSON.stringify(result)}`).not.toContain('Zq3xV9');
  });

  it('when no user_data is given, then the body carries only the image and no root password comes back for null', async () => {
    const { hetzner, seen } = client([server(), rebuilt(null)]);
    const result = await hetzner.rebuildServer(42, { image: 'ubuntu-24.04' }, GUARD);
    expect(seen[1]!.body).toEqual({ image: 'ubuntu-24.04' });
    expect(result.rootPassword).toBeUndefined();
  });

  const apiErrors: [string, Reply, number, string][] = [
    ['404 not_found', failure(404, 'not_found'), 404, 'not_found'],
    [
      '422 invalid_input',
      failure(422, 'invalid_input', { fields: [{ name: 'image', messages: ['not found'] }] }),
      422,
      'invalid_input',
    ],
    ['423 protected (rebuild protection on)', failure(423, 'protected'), 423, 'protected'],
    ['403 forbidden (read-only token)', failure(403, 'forbidden'), 403, 'forbidden'],
  ];
  for (const [what, reply, status, code] of apiErrors) {
    it(`when the rebuild meets ${what}, then it fails with that status and code and is not retried`, async () => {
      const { hetzner, calls } = client([server(), reply]);
      const err = (await hetzner
        .rebuildServer(42, { image: 'ubuntu-24.04' }, GUARD)
        .catch((e: unknown) => e)) as HetznerApiError;
      expect(err).toBeInstanceOf(HetznerApiError);
      expect({ status: err.status, code: err.code }).toEqual({ status, code });
      expect(err.message).toContain(`POST /servers/42/actions/rebuild failed: HTTP ${status} ${code}`);
      expect(calls().filter((c) => c.startsWith('POST'))).toHaveLength(1);
    });
  }

  it('when the first request meets 423 locked, then it refuses naming the server and looks for nothing', async () => {
    const { hetzner, calls } = client([server(), failure(423, 'locked')]);
    const err = await hetzner.rebuildServer(42, { image: 'ubuntu-24.04' }, GUARD).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HetznerRefusedError);
    expect((err as Error).message).toBe(
      'cannot rebuild server 42 ("prod-master"): it is locked by another running action; ' +
        'wait for that action to finish, then run again',
    );
    expect(calls()).toEqual(['GET /servers/42', 'POST /servers/42/actions/rebuild']);
  });

  it('when 503 and 429 turn the request away, then it is retried and succeeds', async () => {
    const { hetzner, calls } = client([
      server(),
      failure(503, 'unavailable'),
      failure(429, 'rate_limit_exceeded'),
      rebuilt(),
    ]);
    const result = await hetzner.rebuildServer(42, { image: 'ubuntu-24.04' }, GUARD);
    expect(result).toMatchObject({ resumed: false, action: { id: 7 } });
    expect(calls().filter((c) => c.startsWith('POST'))).toHaveLength(3);
  });

  it('when 503 turns the request away and the retry meets locked, then it refuses instead of resuming', async () => {
    const { hetzner, calls } = client([server(), failure(503, 'unavailable'), failure(423, 'locked')]);
    await expect(hetzner.rebuildServer(42, { image: 'ubuntu-24.04' }, GUARD)).rejects.toThrow(
      HetznerRefusedError,
    );
    expect(calls()).not.toContain('GET /servers/42/actions?page=1&per_page=50&status=running');
  });

  it('when the answer is lost (504) and the retry meets locked, then the running rebuild is resumed', async () => {
    const { hetzner, calls } = client([
      server(),
      failure(504, 'timeout'),
      failure(423, 'locked'),
      { status: 200, body: { actions: [action(7)], meta: { pagination: { next_page: null } } } },
    ]);
    const result = await hetzner.rebuildServer(42, { image: 'ubuntu-24.04' }, GUARD);
    expect(result).toEqual({ action: action(7), resumed: true });
    expect(calls()).toEqual([
      'GET /servers/42',
      'POST /servers/42/actions/rebuild',
      'POST /servers/42/actions/rebuild',
      'GET /servers/42/actions?page=1&per_page=50&status=running',
    ]);
  });

  it('when the answer is lost and no rebuild is running, then the locked retry is refused', async () => {
    const { hetzner } = client([
      server(),
      new TypeError('socket hang up'),
      failure(423, 'locked'),
      { status: 200, body: { actions: [], meta: { pagination: { next_page: null } } } },
    ]);
    await expect(hetzner.rebuildServer(42, { image: 'ubuntu-24.04' }, GUARD)).rejects.toThrow(
      /locked by another running action/,
    );
  });

  it('when the server lacks the guard labels, then it refuses before posting', async () => {
    const { hetzner, calls } = client([server({ 'supafleet/fleet': 'prod', 'supafleet/role': 'worker' })]);
    await expect(hetzner.rebuildServer(42, { image: 'ubuntu-24.04' }, GUARD)).rejects.toThrow(
      'refusing to rebuild server 42 ("prod-master"): it does not carry the labels ' +
        'supafleet/fleet=prod, supafleet/project=*, supafleet/role=master',
    );
    expect(calls()).toEqual(['GET /servers/42']);
  });

  it('when the server does not exist, then it fails naming the id before posting', async () => {
    const { hetzner, calls } = client([failure(404, 'not_found')]);
    await expect(hetzner.rebuildServer(42, { image: 'ubuntu-24.04' }, GUARD)).rejects.toThrow(
      'cannot rebuild server 42: it does not exist',
    );
    expect(calls()).toEqual(['GET /servers/42']);
  });

  const early: [string, { image: string; user_data?: string }, string][] = [
    ['an empty image', { image: ' ' }, 'image is empty; expected a name such as ubuntu-24.04'],
    [
      'user_data over 32 KiB',
      { image: 'ubuntu-24.04', user_data: 'x'.repeat(32 * 1024 + 1) },
      'is 32769 bytes; Hetzner accepts at most 32768',
    ],
  ];
  for (const [what, request, message] of early) {
    it(`when the request has ${what}, then it fails before any call`, async () => {
      const { hetzner, calls } = client([]);
      await expect(hetzner.rebuildServer(42, request, GUARD)).rejects.toThrow(message);
      expect(calls()).toEqual([]);
    });
  }
});
