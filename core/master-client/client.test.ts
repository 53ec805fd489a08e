import { describe, expect, it } from 'vitest';
import { createMasterClient, SMOKE_REQUEST_TIMEOUT_MS, smokeWaitMs } from './client.ts';
import { MasterApiError, MasterNetworkError } from './errors.ts';

interface Seen {
  method: string;
  url: string;
  auth: string | null;
  body: string | null;
}

/** A fetch answering from a list of canned responses (or thrown errors), recording each request. */
function cannedFetch(answers: (Response | Error)[]) {
  const seen: Seen[] = [];
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    seen.push({
      method: init?.method ?? 'GET',
      url: String(input),
      auth: headers.get('authorization'),
      body: typeof init?.body === 'string' ? init.body : null,
    });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  }) as typeof fetch;
  return { fetch: f, seen };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function client(answers: (Response | Error)[], extra: { tries?: number } = {}) {
  const { fetch, seen } = cannedFetch(answers);
  const sleeps: number[] = [];
  const retries: string[] = [];
  let n = 0;
  const c = createMasterClient({
    baseUrl: 'https://fleet.example.com/',
    token: async () => `tok-${++n}`,
    fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    onRetry: (e) => retries.push(`${e.method} ${e.path} ${e.reason}`),
    ...extra,
  });
  return { c, seen, sleeps, retries };
}

describe('master client', () => {
  it('when a project is put, then the spec is sent as JSON with a fresh bearer token and the enrollment flag', async () => {
    const { c, seen } = client([json(201, { created: true, changed: true, project: { name: 'acme' } })]);
    const out = await c.putProject(
      'acme',
      { name: 'acme', server: { type: 'cx22', location: 'fsn1' } },
      {
        enrollmentToken: true,
      },
    );
    expect(out.created).toBe(true);
    expect(seen).toEqual([
      {
        method: 'PUT',
        url: 'https://fleet.example.com/v1/projects/acme?enrollment_token=true',
        auth: 'Bearer tok-1',
        body: '{"name":"acme","server":{"type":"cx22","location":"fsn1"}}',
      },
    ]);
  });

  it('when the master answers an error body, then the error carries its status, code and message', async () => {
    const { c } = client([
      json(409, { error: { code: 'subdomain_taken', message: 'subdomain "acme" is taken' } }),
    ]);
    const err = await c
      .putProject('acme', { name: 'acme', server: { type: 'cx22', location: 'fsn1' } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(MasterApiError);
    expect(err).toMatchObject({ status: 409, code: 'subdomain_taken' });
    expect(err.message).toBe(
      'master PUT /v1/projects/acme failed: HTTP 409 subdomain_taken: subdomain "acme" is taken',
    );
  });

  it.each([
    { name: '502', answer: () => json(502, { error: { code: 'upstream_failed', message: 'kong' } }) },
    { name: '503 from a proxy page', answer: () => new Response('<html>down</html>', { status: 503 }) },
    { name: '504', answer: () => new Response('', { status: 504 }) },
    { name: 'a network error', answer: () => new TypeError('fetch failed') },
  ])(
    'when an idempotent call meets $name, then it is retried with backoff and succeeds',
    async ({ answer }) => {
      const { c, sleeps, retries, seen } = client([answer(), answer(), json(200, { projects: [] })]);
      expect(await c.listProjects()).toEqual([]);
      expect(seen).toHaveLength(3);
      expect(sleeps).toEqual([500, 1000]);
      expect(retries).toHaveLength(2);
      expect(seen.map((s) => s.auth)).toEqual(['Bearer tok-1', 'Bearer tok-2', 'Bearer tok-3']);
    },
  );

  it('when every try fails, then the last error is thrown after the configured tries', async () => {
    const { c, seen } = client([new TypeError('a'), new TypeError('b'), new TypeError('c')], { tries: 3 });
    const err = await c.listProjects().catch((e) => e);
    expect(err).toBeInstanceOf(MasterNetworkError);
    expect(err.message).toBe('master GET /v1/projects failed: c');
    expect(seen).toHaveLength(3);
  });

  it('when a backup command fails upstream with 502, then it is not sent again', async () => {
    const { c, seen } = client([json(502, { error: { code: 'upstream_failed', message: 'agent away' } })]);
    await expect(c.startBackup('acme')).rejects.toMatchObject({ status: 502, code: 'upstream_failed' });
    expect(seen).toHaveLength(1);
  });

  it('when a 4xx other than 404 comes back, then it is not retried', async () => {
    const { c, seen } = client([json(403, { error: { code: 'forbidden', message: 'read-only token' } })]);
    await expect(c.deleteProject('acme')).rejects.toMatchObject({ status: 403 });
    expect(seen).toHaveLength(1);
  });

  it('when a project is not registered, then getProject answers undefined', async () => {
    const { c } = client([
      json(404, { error: { code: 'not_found', message: 'project "x1" is not registered' } }),
    ]);
    expect(await c.getProject('x1')).toBeUndefined();
  });

  it.each(['Acme', 'a', '../x', 'acme/routes'])(
    'when the project name is %j, then no request is made',
    async (name) => {
      const { c, seen } = client([]);
      expect(() => c.putRoutes(name)).toThrow(/is not a project name/);
      expect(seen).toEqual([]);
    },
  );

  it.each(['fleet.example.com', 'https://fleet.example.com/api', 'ftp://x'])(
    'when the base URL is %j, then the client refuses it',
    (baseUrl) => {
      expect(() => createMasterClient({ baseUrl, token: async () => 't' })).toThrow(/is not valid/);
    },
  );

  it('when a smoke is asked with a step limit, then the limit is sent as step_timeout_s; without one, no body is sent', async () => {
    const report = { project: 'acme', url: 'https://acme.example.com', ok: true, ms: 1, steps: [] };
    const { c, seen } = client([json(200, report), json(200, report)]);
    expect(await c.smoke('acme', { stepTimeoutS: 3 })).toEqual(report);
    await c.smoke('acme');
    expect(seen.map((x) => [x.method, x.url, x.body])).toEqual([
      ['POST', 'https://fleet.example.com/v1/projects/acme/smoke', '{"step_timeout_s":3}'],
      ['POST', 'https://fleet.example.com/v1/projects/acme/smoke', null],
    ]);
  });

  it("when the wait for the master's smoke is derived from a step limit, then it covers every step plus 30 s, never past the master's longest run", () => {
    expect(smokeWaitMs(1)).toBe(16 * 1000 + 30_000);
    expect(smokeWaitMs(15)).toBe(16 * 15_000 + 30_000);
    expect(smokeWaitMs(600)).toBe(SMOKE_REQUEST_TIMEOUT_MS);
  });

  it('when an error is printed, then the bearer token is not in it', async () => {
    const { c } = client([json(401, { error: { code: 'unauthorized', message: 'bad token' } })]);
    const err = (await c.listProjects().catch((e) => e)) as Error;
    expect(`${err.message} ${err.stack}`).not.toContain('tok-1');
  });
});
