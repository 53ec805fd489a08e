import { describe, expect, it } from 'vitest';
import { masterInputs, numberInput, requireMaster, secretInput, type InputSource } from './inputs.ts';

function source(values: Record<string, string>): InputSource & { masked: string[] } {
  const masked: string[] = [];
  return { masked, get: (n) => values[n] ?? '', mask: (v) => masked.push(v) };
}

describe('action inputs', () => {
  it('when a secret input is read, then it is masked at once and kept in a Secret', () => {
    const src = source({ 'hetzner-token': ' abc123secret ' });
    const s = secretInput(src, 'hetzner-token', true)!;
    expect(src.masked).toEqual(['abc123secret']);
    expect(String(s)).toBe('[redacted]');
    expect(s.reveal()).toBe('abc123secret');
  });

  it('when a required secret is empty, then the error names the input', () => {
    expect(() => secretInput(source({}), 'hetzner-token', true)).toThrow('input hetzner-token is required');
  });

  it.each([
    { raw: '', want: 4 },
    { raw: '8', want: 8 },
    { raw: 'x', error: 'input parallelism is "x"; expected a whole number from 1 to 32' },
    { raw: '0', error: 'from 1 to 32' },
    { raw: '2.5', error: 'a whole number' },
  ])('when parallelism is "$raw", then $want$error', ({ raw, want, error }) => {
    const read = () =>
      numberInput(source({ parallelism: raw }), 'parallelism', 4, { min: 1, max: 32, integer: true });
    if (error) expect(read).toThrow(error);
    else expect(read()).toBe(want);
  });

  it.each([
    { url: 'https://fleet.example.com/', want: 'https://fleet.example.com' },
    { url: 'https://fleet.example.com/v1', error: 'is not valid' },
    { url: 'fleet.example.com', error: 'is not valid' },
  ])('when master-url is $url, then $want$error', ({ url, want, error }) => {
    const read = () => masterInputs(source({ 'master-url': url }));
    if (error) expect(read).toThrow(error);
    else expect(read()).toEqual({ url: want, audience: 'supafleet' });
  });

  it('when the master URL is required but empty, then the error names the repository variable', () => {
    expect(() => requireMaster(masterInputs(source({})))).toThrow('SUPAFLEET_MASTER_URL');
  });

  it('when an API token is given, then it is masked and used instead of OIDC', () => {
    const src = source({
      'master-url': 'https://fleet.example.com',
      'api-token': 'sft_a_b',
      audience: 'aud',
    });
    const m = masterInputs(src);
    expect(m.audience).toBe('aud');
    expect(m.apiToken?.reveal()).toBe('sft_a_b');
    expect(src.masked).toEqual(['sft_a_b']);
  });
});
