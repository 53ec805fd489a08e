import { afterEach, describe, expect, it } from 'vitest';
import { startFakeHetzner, type FakeHetzner } from '../../fakes/hetzner/index.ts';
import { HetznerClient } from './client.ts';
import { PROBE_KEY_NAME, probePublicKey, probeTokenScope, tokenScopeProblems } from './token-scope.ts';

const RW = 'w'.repeat(64);
const RO = 'r'.repeat(64);
let fake: FakeHetzner | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function clientFor(token: string): Promise<{ fake: FakeHetzner; hetzner: HetznerClient }> {
  fake ??= await startFakeHetzner({ token: RW, readOnlyTokens: [RO], actionDurationMs: 0 });
  return { fake, hetzner: new HetznerClient({ token, endpoint: fake.url, requestTimeoutMs: 5000 }) };
}

describe('probeTokenScope against the Hetzner fake', () => {
  it('when the token is Read & Write, then it says read_write and leaves no probe key behind', async () => {
    const { hetzner } = await clientFor(RW);
    expect(await probeTokenScope(hetzner)).toBe('read_write');
    expect(await hetzner.listSshKeys({ name: PROBE_KEY_NAME })).toEqual([]);
  });

  it('when the token is Read, then the create is refused with token_readonly and it says read', async () => {
    const { hetzner, fake } = await clientFor(RO);
    expect(await probeTokenScope(hetzner)).toBe('read');
    expect(
      fake
        .calls()
        .filter((c) => c.method === 'POST')
        .map((c) => c.status),
    ).toEqual([401]);
  });

  it('when the token is unknown, then it says invalid without trying a write', async () => {
    const { hetzner, fake } = await clientFor('x'.repeat(64));
    expect(await probeTokenScope(hetzner)).toBe('invalid');
    expect(fake.calls().filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('when an interrupted run left its probe key, then the next probe removes it and still answers', async () => {
    const { hetzner } = await clientFor(RW);
    await hetzner.createSshKey({
      name: PROBE_KEY_NAME,
      public_key: probePublicKey(),
      labels: { 'supafleet/role': 'init-probe' },
    });
    expect(await probeTokenScope(hetzner)).toBe('read_write');
    expect(await hetzner.listSshKeys({ name: PROBE_KEY_NAME })).toEqual([]);
  });
});

describe('tokenScopeProblems', () => {
  const cases = [
    { name: 'both fit', scopes: { readWrite: 'read_write', readOnly: 'read' }, want: [] },
    {
      name: 'HCLOUD_TOKEN is Read',
      scopes: { readWrite: 'read', readOnly: 'read' },
      want: [/^HCLOUD_TOKEN is a Read token/],
    },
    {
      name: 'HCLOUD_TOKEN_READONLY can write',
      scopes: { readWrite: 'read_write', readOnly: 'read_write' },
      want: [/^HCLOUD_TOKEN_READONLY can write/],
    },
    {
      name: 'both are unknown',
      scopes: { readWrite: 'invalid', readOnly: 'invalid' },
      want: [/^HCLOUD_TOKEN is not accepted/, /^HCLOUD_TOKEN_READONLY is not accepted/],
    },
  ] as const;
  for (const c of cases) {
    it(`when ${c.name}, then the problems name the token and the fix`, () => {
      const got = tokenScopeProblems(c.scopes);
      expect(got).toHaveLength(c.want.length);
      c.want.forEach((re, i) => expect(got[i]).toMatch(re));
    });
  }
});
