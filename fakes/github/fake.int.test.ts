import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { githubSubject, startFakeOidcIssuer } from './oidc.ts';
import { startFakeGitHub, type FakeGitHub } from './server.ts';

/**
 * The GitHub fake against GitHub's documented answers, over raw HTTP on loopback. Each test
 * names the CONFORMANCE.md row it proves.
 */
let gh: FakeGitHub;
const base = () => `${gh.url}/repos/acme-corp/fleet`;
const call = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${base()}${path}`, {
    ...init,
    headers: { authorization: 'Bearer ghs_t', 'content-type': 'application/json', ...init.headers },
  });
const post = (path: string, body: unknown, method = 'POST'): Promise<Response> =>
  call(path, { method, body: JSON.stringify(body) });

beforeEach(async () => {
  gh = await startFakeGitHub({ token: 'ghs_t', actionsPublicKey: 'a2V5', rateLimit: 40 });
});
afterEach(async () => {
  await gh.close();
});

describe('issue comments', () => {
  it('when 35 comments exist, then a list answers 30 by default in ascending id with Link next/last, and the next page the rest', async () => {
    for (let i = 0; i < 35; i++) {
      const r = await post('/issues/7/comments', { body: `c${i}` });
      expect(r.status).toBe(201);
    }
    const first = await call('/issues/7/comments');
    const page = (await first.json()) as Array<{ id: number; body: string }>;
    expect(page).toHaveLength(30);
    expect(page.map((c) => c.id)).toEqual([...page.map((c) => c.id)].sort((a, b) => a - b));
    const link = first.headers.get('link')!;
    expect(link).toMatch(/<[^>]*page=2[^>]*>; rel="next"/);
    expect(link).toMatch(/rel="last"/);
    const next = /<([^>]*)>; rel="next"/.exec(link)![1]!;
    const second = (await (
      await fetch(next, { headers: { authorization: 'Bearer ghs_t' } })
    ).json()) as unknown[];
    expect(second).toHaveLength(5);
  });

  it("when the token writes a comment, then its author is the Actions bot (user.login, user.type 'Bot'); an update answers 200 with the new body", async () => {
    const created = (await (await post('/issues/7/comments', { body: 'hi' })).json()) as {
      id: number;
      user: { login: string; type: string };
    };
    expect(created.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' });
    const upd = await post(`/issues/comments/${created.id}`, { body: 'edited' }, 'PATCH');
    expect(upd.status).toBe(200);
    expect(((await upd.json()) as { body: string }).body).toBe('edited');
  });

  it('when a body is over 65536 characters, then 422 Validation Failed names IssueComment, unprocessable, data', async () => {
    const r = await post('/issues/7/comments', { body: 'x'.repeat(65537) });
    expect(r.status).toBe(422);
    expect(await r.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [
        {
          resource: 'IssueComment',
          code: 'unprocessable',
          field: 'data',
          message: 'Body is too long (maximum is 65536 characters)',
        },
      ],
    });
    expect((await post('/issues/7/comments', { body: 'x'.repeat(65536) })).status).toBe(201);
  });
});

describe('commit statuses', () => {
  it('when a description has 141 characters, then 422 with the Status custom error; 140 is accepted', async () => {
    const sha = gh.state.push('main', { a: '1' });
    const long = await post(`/statuses/${sha}`, { state: 'success', description: 'é'.repeat(141) });
    expect(long.status).toBe(422);
    expect(await long.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [
        {
          resource: 'Status',
          code: 'custom',
          field: 'description',
          message: 'description is too long (maximum is 140 characters)',
        },
      ],
    });
    expect((await post(`/statuses/${sha}`, { state: 'success', description: 'é'.repeat(140) })).status).toBe(
      201,
    );
  });

  it('when the state is not error, failure, pending or success, then 422; without context the context is "default"', async () => {
    const sha = gh.state.push('main', { a: '1' });
    expect((await post(`/statuses/${sha}`, { state: 'ok' })).status).toBe(422);
    const r = await post(`/statuses/${sha}`, { state: 'pending' });
    expect(r.status).toBe(201);
    expect(((await r.json()) as { context: string }).context).toBe('default');
  });

  it('when the sha names no commit, then 422 "No commit found for SHA: <sha>"', async () => {
    const r = await post(`/statuses/${'f'.repeat(40)}`, { state: 'success' });
    expect(r.status).toBe(422);
    expect(((await r.json()) as { message: string }).message).toBe(
      `No commit found for SHA: ${'f'.repeat(40)}`,
    );
  });

  it('when statuses are listed, then the latest comes first', async () => {
    const sha = gh.state.push('main', { a: '1' });
    await post(`/statuses/${sha}`, { state: 'pending', context: 'c' });
    await post(`/statuses/${sha}`, { state: 'success', context: 'c' });
    const list = (await (await call(`/commits/${sha}/statuses`)).json()) as Array<{ state: string }>;
    expect(list.map((s) => s.state)).toEqual(['success', 'pending']);
  });
});

describe('refs for the status branch', () => {
  it('when a branch is missing, then 404 {message: "Not Found", documentation_url}; created twice, then 422 "Reference already exists"', async () => {
    const missing = await call('/git/ref/heads/supafleet-status');
    expect(missing.status).toBe(404);
    const body = (await missing.json()) as Record<string, unknown>;
    expect(body.message).toBe('Not Found');
    expect(typeof body.documentation_url).toBe('string');
    const sha = gh.state.push('main', { a: '1' });
    expect((await post('/git/refs', { ref: 'refs/heads/s', sha })).status).toBe(201);
    const again = await post('/git/refs', { ref: 'refs/heads/s', sha });
    expect(again.status).toBe(422);
    expect(((await again.json()) as { message: string }).message).toBe('Reference already exists');
  });

  it('when an update is not a fast forward, then 422 unless force is true', async () => {
    const old = gh.state.push('main', { a: '1' });
    const other = gh.state.push('other', { b: '1' });
    await post('/git/refs', { ref: 'refs/heads/s', sha: old });
    const r = await post('/git/refs/heads/s', { sha: other }, 'PATCH');
    expect(r.status).toBe(422);
    expect(((await r.json()) as { message: string }).message).toBe('Update is not a fast forward');
    expect((await post('/git/refs/heads/s', { sha: other, force: true }, 'PATCH')).status).toBe(200);
  });
});

describe('Actions secrets', () => {
  it('when a secret is created, then 201 with {}; when it is updated, then 204 with no body', async () => {
    const body = { encrypted_value: 'c2VhbGVk', key_id: '568250167242549743' };
    const created = await post('/actions/secrets/X', body, 'PUT');
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({});
    const updated = await post('/actions/secrets/X', body, 'PUT');
    expect(updated.status).toBe(204);
    expect(await updated.text()).toBe('');
  });
});

describe('authentication, errors and the rate limit', () => {
  it('when the token is wrong, then 401 Bad credentials with documentation_url', async () => {
    const r = await fetch(`${base()}/commits`, { headers: { authorization: 'token nope' } });
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({
      message: 'Bad credentials',
      documentation_url: expect.any(String),
    });
  });

  it('when the body is not JSON, then 400 "Problems parsing JSON"', async () => {
    const r = await call('/issues/7/comments', { method: 'POST', body: '{' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toBe('Problems parsing JSON');
  });

  it('when every answer is read, then it carries x-ratelimit-*; past the limit, 403 with x-ratelimit-remaining 0', async () => {
    const ok = await call('/commits');
    expect(ok.headers.get('x-ratelimit-limit')).toBe('40');
    expect(ok.headers.get('x-ratelimit-resource')).toBe('core');
    expect(Number(ok.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    let last: Response = ok;
    for (let i = 0; i < 40; i++) last = await call('/commits');
    expect(last.status).toBe(403);
    expect(last.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it("when no rate limit is given, then the limit is 1000, a GITHUB_TOKEN's", async () => {
    const plain = await startFakeGitHub({ token: 'ghs_t' });
    try {
      const r = await fetch(`${plain.url}/repos/acme-corp/fleet/commits`, {
        headers: { authorization: 'Bearer ghs_t' },
      });
      expect(r.headers.get('x-ratelimit-limit')).toBe('1000');
    } finally {
      await plain.close();
    }
  });
});

describe('OIDC tokens', () => {
  it('when a job names an environment, then sub is repo:<repo>:environment:<name>; a pull_request without one, :pull_request; else :ref:<ref>', () => {
    const repository = 'acme-corp/fleet';
    expect(githubSubject({ repository, environment: 'production', event_name: 'pull_request' })).toBe(
      'repo:acme-corp/fleet:environment:production',
    );
    expect(githubSubject({ repository, event_name: 'pull_request', ref: 'refs/pull/1/merge' })).toBe(
      'repo:acme-corp/fleet:pull_request',
    );
    expect(githubSubject({ repository, event_name: 'push', ref: 'refs/heads/main' })).toBe(
      'repo:acme-corp/fleet:ref:refs/heads/main',
    );
  });

  it("when a token is minted, then it carries GitHub's claims: iss, ids as strings, job_workflow_ref, nbf 600 s before iat, exp 300 s after", async () => {
    const issuer = await startFakeOidcIssuer({ repository: 'acme-corp/fleet', repositoryId: 42, ownerId: 7 });
    try {
      const claims = decodeJwt(await issuer.mint({}, { iat: 1_700_000_000 }));
      expect(claims).toMatchObject({
        iss: 'https://token.actions.githubusercontent.com',
        aud: 'https://github.com/acme-corp',
        sub: 'repo:acme-corp/fleet:environment:production',
        repository_id: '42',
        repository_owner_id: '7',
        ref: 'refs/heads/main',
        event_name: 'push',
        job_workflow_ref: 'acme-corp/fleet/.github/workflows/apply.yml@refs/heads/main',
        nbf: 1_700_000_000 - 600,
        exp: 1_700_000_000 + 300,
      });
      expect(typeof claims.jti).toBe('string');
      const noEnv = decodeJwt(await issuer.mint({ environment: undefined }));
      expect(noEnv.environment).toBeUndefined();
      expect(noEnv.sub).toBe('repo:acme-corp/fleet:ref:refs/heads/main');
    } finally {
      await issuer.close();
    }
  });
});
