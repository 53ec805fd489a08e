import { describe, expect, it } from 'vitest';
import { MemoryNonceStore, signCommand, verifyCommand } from './sign.ts';

const key = 'k'.repeat(43);
const base = { method: 'POST', path: '/v1/commands', body: '{"id":"1","type":"backup"}', key };

function verify(
  headers: Record<string, string>,
  overrides: Partial<Parameters<typeof verifyCommand>[0]> = {},
) {
  return verifyCommand({ ...base, headers, nowMs: 1_000_000, nonces: new MemoryNonceStore(), ...overrides });
}

describe('command signatures', () => {
  it('when signed with the key, then it verifies', () => {
    expect(verify(signCommand({ ...base, nowMs: 1_000_000 }))).toEqual({ ok: true });
  });

  it.each([
    ['the body changed', { body: '{"id":"1","type":"restart"}' }],
    ['the path changed', { path: '/v1/other' }],
    ['the method changed', { method: 'PUT' }],
    ['the key differs', { key: 'x'.repeat(43) }],
  ])('when %s, then the signature is refused', (_name, overrides) => {
    const headers = signCommand({ ...base, nowMs: 1_000_000 });
    expect(verify(headers, overrides)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('when unsigned, then refused as unsigned', () => {
    expect(verify({})).toEqual({ ok: false, reason: 'unsigned' });
  });

  it('when older than the allowed skew, then refused as stale', () => {
    const headers = signCommand({ ...base, nowMs: 1_000_000 - 61_000 });
    expect(verify(headers)).toEqual({ ok: false, reason: 'stale' });
  });

  it('when the same signed command comes twice, then the second is refused as replayed', () => {
    const nonces = new MemoryNonceStore();
    const headers = signCommand({ ...base, nowMs: 1_000_000 });
    expect(verify(headers, { nonces })).toEqual({ ok: true });
    expect(verify(headers, { nonces })).toEqual({ ok: false, reason: 'replayed' });
  });

  it('when nonces expire, then the store forgets them and stays bounded', () => {
    const nonces = new MemoryNonceStore(2);
    expect(nonces.remember('a'.repeat(16), 10, 0)).toBe(true);
    expect(nonces.remember('b'.repeat(16), 10, 0)).toBe(true);
    expect(nonces.remember('c'.repeat(16), 10, 0)).toBe(false);
    expect(nonces.remember('c'.repeat(16), 30, 20)).toBe(true);
  });
});
