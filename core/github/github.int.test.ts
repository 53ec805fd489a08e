import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../seal/secret.ts';
import { generateSealKeypair, openBytes } from '../seal/seal.ts';
import { createGitHubClient } from './client.ts';
import { startFakeGitHub, type FakeGitHub } from '../../fakes/github/server.ts';
import { clampDescription } from './status.ts';
import type { GitHubApi } from './types.ts';

const MARKER = '<!-- supafleet-plan -->';
let fake: FakeGitHub;
let gh: GitHubApi;
let keys: Awaited<ReturnType<typeof generateSealKeypair>>;

beforeEach(async () => {
  keys = await generateSealKeypair();
  fake = await startFakeGitHub({ token: 'ghs_test', actionsPublicKey: keys.publicKey });
  gh = createGitHubClient({
    repo: { owner: 'acme-corp', repo: 'fleet' },
    token: new Secret('ghs_test'),
    baseUrl: fake.url,
  });
});
afterEach(async () => {
  await fake.close();
});

describe('sticky PR comment', () => {
  it('when no comment carries the marker, then one is created; when one does, then it is updated in place', async () => {
    for (let i = 0; i < 120; i++)
      fake.state.comments.push({ id: i + 1, issue: 7, body: `chatter ${i}`, created_at: '', updated_at: '' });
    const first = await gh.upsertStickyComment(7, MARKER, `${MARKER}\nplan v1`);
    const second = await gh.upsertStickyComment(7, MARKER, `${MARKER}\nplan v2`);
    expect(first.created).toBe(true);
    expect(second).toEqual({ id: first.id, created: false });
    const mine = fake.state.comments.filter((c) => c.body.includes(MARKER));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body).toContain('plan v2');
  });

  // audit L2: anyone who can comment could plant the marker first; the bot then edited their
  // comment, and they could later edit it into a forged plan
  it.each([
    { who: 'a user', user: { login: 'mallory', type: 'User' as const, id: 666 } },
    { who: 'another bot', user: { login: 'evil-app[bot]', type: 'Bot' as const, id: 667 } },
    {
      who: 'a user named like the bot',
      user: { login: 'github-actions[bot]', type: 'User' as const, id: 668 },
    },
  ])(
    'when $who planted a comment with the marker, then the plan gets a comment of its own and theirs is left alone',
    async ({ user }) => {
      const forged = `${MARKER}\nNo changes.`;
      fake.state.comments.push({ id: 1, issue: 7, body: forged, created_at: '', updated_at: '', user });
      const first = await gh.upsertStickyComment(7, MARKER, `${MARKER}\nplan v1`);
      expect(first.created).toBe(true);
      expect(first.id).not.toBe(1);
      const second = await gh.upsertStickyComment(7, MARKER, `${MARKER}\nplan v2`);
      expect(second).toEqual({ id: first.id, created: false });
      expect(fake.state.comments.find((c) => c.id === 1)!.body).toBe(forged);
      const ours = fake.state.comments.find((c) => c.id === first.id)!;
      expect(ours.body).toContain('plan v2');
      expect(ours.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' });
    },
  );
});

describe('commit statuses', () => {
  it('when the description is longer than 140 characters, then it is clamped so GitHub accepts it', async () => {
    const sha = fake.state.push('main', { 'projects/acme.yaml': 'name: acme\n' });
    await gh.setStatus(sha, { state: 'success', context: 'supafleet/acme', description: 'x'.repeat(300) });
    const s = fake.state.statuses.at(-1)!;
    expect(s.description!.length).toBeLessThanOrEqual(140);
    expect(s.context).toBe('supafleet/acme');
  });

  // GitHub's answer: fakes/github/CONFORMANCE.md, "Commit statuses"
  it('when the fake is sent an over-long description directly, then it answers 422 like GitHub', async () => {
    const sha = fake.state.push('main', { a: '1' });
    const res = await fetch(`${fake.url}/repos/acme-corp/fleet/statuses/${sha}`, {
      method: 'POST',
      headers: { authorization: 'token ghs_test', 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'success', description: 'y'.repeat(141) }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: string }).message).toBe('Validation Failed');
  });

  it('when the token is wrong, then the fake answers 401 Bad credentials', async () => {
    const res = await fetch(`${fake.url}/repos/acme-corp/fleet/commits`, {
      headers: { authorization: 'token nope' },
    });
    expect(res.status).toBe(401);
  });

  it('when clamping, then short text is kept and long text ends with an ellipsis', () => {
    expect(clampDescription('healthy · rev 3')).toBe('healthy · rev 3');
    expect(Array.from(clampDescription('z'.repeat(500)))).toHaveLength(140);
  });
});

describe('latest commit touching a path', () => {
  it('when several commits exist, then the newest one that changed the file is returned', async () => {
    const c1 = fake.state.push('main', { 'projects/acme.yaml': 'v1', 'projects/blog.yaml': 'v1' });
    const c2 = fake.state.push('main', { 'projects/acme.yaml': 'v2' });
    fake.state.push('main', { 'projects/blog.yaml': 'v2' });
    expect(await gh.latestCommitTouching('projects/acme.yaml', 'main')).toBe(c2);
    expect(c1).not.toBe(c2);
    expect(await gh.latestCommitTouching('projects/none.yaml', 'main')).toBeUndefined();
  });
});

describe('committing badge files', () => {
  it('when the branch is missing, then it is created; when nothing changed, then no commit is made', async () => {
    const files = {
      'badges/acme.json': '{"schemaVersion":1}\n',
      'badges/blog.json': '{"schemaVersion":1}\n',
    };
    const first = await gh.commitFiles('supafleet-status', files, 'badges');
    expect(first.changed).toBe(true);
    const again = await gh.commitFiles('supafleet-status', files, 'badges');
    expect(again).toEqual({ sha: first.sha, changed: false });
    const third = await gh.commitFiles(
      'supafleet-status',
      { 'badges/acme.json': '{"schemaVersion":1,"x":1}\n' },
      'badges',
    );
    expect(third.changed).toBe(true);
    const head = fake.state.commits.get(fake.state.refs.get('supafleet-status')!)!;
    expect([...head.files.keys()].sort()).toEqual(['badges/acme.json', 'badges/blog.json']);
    expect(head.parents).toEqual([first.sha]);
  });
});

describe('Actions secrets', () => {
  it('when a secret is written, then only the repository key opens it and its name is checked', async () => {
    await gh.putActionsSecret('ACME_ANON_KEY', new Secret('anon-jwt-value'));
    const stored = fake.state.secrets.get('ACME_ANON_KEY')!;
    expect(stored.encrypted_value).not.toContain('anon-jwt-value');
    expect(new TextDecoder().decode(await openBytes(stored.encrypted_value, keys.privateKey))).toBe(
      'anon-jwt-value',
    );
    await expect(gh.putActionsSecret('GITHUB_X', new Secret('v'))).rejects.toThrow(
      /invalid Actions secret name/,
    );
  });
});
