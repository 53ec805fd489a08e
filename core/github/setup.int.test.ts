import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../fakes/github/server.ts';
import type { FakeDispatch } from '../../fakes/github/state.ts';
import { Secret } from '../seal/secret.ts';
import { generateSealKeypair, openBytes } from '../seal/seal.ts';
import { gitBlobSha } from './git-blob.ts';
import { createGitHubSetupClient, type GitHubSetupApi } from './setup.ts';

let fake: FakeGitHub;
let gh: GitHubSetupApi;
let keys: Awaited<ReturnType<typeof generateSealKeypair>>;
const dispatched: FakeDispatch[] = [];

beforeEach(async () => {
  keys = await generateSealKeypair();
  dispatched.length = 0;
  fake = await startFakeGitHub({
    token: 'ghp_test',
    actionsPublicKey: keys.publicKey,
    repoId: 4242,
    ownerId: 77,
    users: { alice: 501, bob: 502 },
    onDispatch: (d) => dispatched.push(d),
  });
  gh = createGitHubSetupClient({
    repo: { owner: 'acme-corp', repo: 'fleet' },
    token: new Secret('ghp_test'),
    baseUrl: fake.url,
  });
});
afterEach(async () => {
  await fake.close();
});

const open = async (sealed: string): Promise<string> =>
  new TextDecoder().decode(await openBytes(sealed, keys.privateKey));

describe('GitHub setup client against the fake', () => {
  it('when the repository is read, then its id and its owner id come back', async () => {
    expect(await gh.getRepository()).toMatchObject({ id: 4242, ownerId: 77, fullName: 'acme-corp/fleet' });
    expect(await gh.userId('alice')).toBe(501);
    await expect(gh.userId('mallory')).rejects.toThrow(/GitHub user "mallory" does not exist/);
  });

  it('when the repository is not there or the token is wrong, then the error names the repository and what is expected', async () => {
    const other = createGitHubSetupClient({
      repo: { owner: 'acme-corp', repo: 'nope' },
      token: new Secret('ghp_test'),
      baseUrl: fake.url,
    });
    await expect(other.getRepository()).rejects.toThrow(
      /acme-corp\/nope is not found, or the token cannot see it/,
    );
    const badToken = createGitHubSetupClient({
      repo: { owner: 'acme-corp', repo: 'fleet' },
      token: new Secret('ghp_wrong'),
      baseUrl: fake.url,
    });
    await expect(badToken.getRepository()).rejects.toThrow(/refuses the token/);
  });

  it('when secrets are written to the repository and to an environment, then each is sealed and listed by name only', async () => {
    await gh.putSecret('HCLOUD_TOKEN_READONLY', new Secret('ro-token-value'));
    await gh.putEnvironment('production', { reviewers: [], preventSelfReview: true });
    await gh.putSecret('HCLOUD_TOKEN', new Secret('rw-token-value'), 'production');
    expect(await gh.listSecretNames()).toEqual(['HCLOUD_TOKEN_READONLY']);
    expect(await gh.listSecretNames('production')).toEqual(['HCLOUD_TOKEN']);
    const stored = fake.state.environments.get('production')!.secrets.get('HCLOUD_TOKEN')!;
    expect(stored.encrypted_value).not.toContain('rw-token-value');
    expect(await open(stored.encrypted_value)).toBe('rw-token-value');
    expect(await open(fake.state.secrets.get('HCLOUD_TOKEN_READONLY')!.encrypted_value)).toBe(
      'ro-token-value',
    );
  });

  it('when a variable is created, then updated, then the list shows the new value', async () => {
    await gh.setVariable('SUPAFLEET_MASTER_URL', 'https://fleet.example.com', false);
    await gh.setVariable('SUPAFLEET_MASTER_URL', 'https://fleet.example.org', true);
    expect(await gh.listVariables()).toEqual({ SUPAFLEET_MASTER_URL: 'https://fleet.example.org' });
  });

  it('when the environment is made with reviewers and the main rule, then reading it back shows both', async () => {
    expect(await gh.getEnvironment('production')).toBeUndefined();
    await gh.putEnvironment('production', {
      reviewers: [
        { type: 'User', id: 501 },
        { type: 'User', id: 502 },
      ],
      preventSelfReview: true,
    });
    await gh.addBranchPolicy('production', 'main');
    expect(await gh.getEnvironment('production')).toEqual({
      reviewers: [
        { type: 'User', id: 501 },
        { type: 'User', id: 502 },
      ],
      preventSelfReview: true,
      customBranches: true,
      branches: ['main'],
    });
  });

  it('when a workflow is dispatched on main, then the fake records it and calls the run stand-in', async () => {
    fake.state.push('main', { 'fleet.yaml': 'name: prod\n' });
    await gh.dispatchWorkflow('master.yml', 'main', { mode: 'create' });
    expect(dispatched).toEqual([{ workflow: 'master.yml', ref: 'main', inputs: { mode: 'create' } }]);
    await expect(gh.dispatchWorkflow('nope.yml', 'main', {})).rejects.toMatchObject({ status: 404 });
  });

  it('when a file is on the branch, then its blob sha is the git blob sha of its content', async () => {
    expect(await gh.fileSha('fleet.yaml', 'main')).toBeUndefined();
    fake.state.push('main', { 'fleet.yaml': 'name: prod\n' });
    expect(await gh.fileSha('fleet.yaml', 'main')).toBe(gitBlobSha('name: prod\n'));
    expect(await gh.fileSha('other.yaml', 'main')).toBeUndefined();
  });
});
