import { describe, expect, it } from 'vitest';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import { sha256 } from './api-tokens.ts';
import { createAgentAuthenticator, normalizeAddress } from './agent.ts';

const TOKEN = 'a'.repeat(43);
const rows: Record<string, { name: string; tokenHash: Buffer; revision: number }> = {
  '10.100.0.2': { name: 'acme', tokenHash: sha256(TOKEN), revision: 1 },
  '10.100.0.3': { name: 'blog', tokenHash: sha256('b'.repeat(43)), revision: 1 },
};

function lookup() {
  const calls: string[] = [];
  return {
    calls,
    async agentByIp(ip: string) {
      calls.push(ip);
      return rows[ip];
    },
  };
}

describe('createAgentAuthenticator', () => {
  it('when the token matches the project of the source address, then that project is returned', async () => {
    const auth = createAgentAuthenticator(lookup());
    expect(await auth.authenticate('::ffff:10.100.0.2', `Bearer ${TOKEN}`)).toEqual({ project: 'acme' });
  });

  it.each([
    { name: 'no header', from: '10.100.0.2', header: undefined, error: UnauthorizedError },
    { name: 'a Basic header', from: '10.100.0.2', header: 'Basic eDp5', error: UnauthorizedError },
    {
      name: "another project's address",
      from: '10.100.0.3',
      header: `Bearer ${TOKEN}`,
      error: ForbiddenError,
    },
    {
      name: 'an address of no project',
      from: '10.100.0.9',
      header: `Bearer ${TOKEN}`,
      error: ForbiddenError,
    },
  ])('when the call has $name, then it is refused', async ({ from, header, error }) => {
    const auth = createAgentAuthenticator(lookup());
    await expect(auth.authenticate(from, header)).rejects.toBeInstanceOf(error);
  });

  it('when lookups repeat within the cache time, then the registry is asked once; forget() asks again', async () => {
    let now = 0;
    const l = lookup();
    const auth = createAgentAuthenticator(l, { cacheMs: 5000, now: () => now });
    await auth.authenticate('10.100.0.2', `Bearer ${TOKEN}`);
    now = 4999;
    await auth.authenticate('10.100.0.2', `Bearer ${TOKEN}`);
    expect(l.calls).toHaveLength(1);
    now = 5000;
    await auth.authenticate('10.100.0.2', `Bearer ${TOKEN}`);
    expect(l.calls).toHaveLength(2);
    auth.forget();
    await auth.authenticate('10.100.0.2', `Bearer ${TOKEN}`);
    expect(l.calls).toHaveLength(3);
  });

  it('when addresses come as IPv4-mapped IPv6, then they are compared as IPv4', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeAddress('::1')).toBe('::1');
    expect(normalizeAddress(undefined)).toBe('');
  });
});
