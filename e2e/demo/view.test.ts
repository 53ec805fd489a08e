import { describe, expect, it } from 'vitest';
import { abbreviate, createMasker, progressLine, statusTable } from './view.ts';

describe('demo output', () => {
  it('when a progress line is printed, then it carries the seconds since the start', () => {
    expect(progressLine(1000, 4250, 'acme: creating')).toBe('[   3.3s] acme: creating');
  });

  it('when the status table is rendered, then the columns line up under a header rule', () => {
    expect(
      statusTable([
        { project: 'acme', wgIp: '10.100.0.2', health: 'healthy', url: 'https://acme.example.com' },
        { project: 'blog', wgIp: '10.100.0.13', health: 'healthy', url: 'https://journal.example.com' },
      ]),
    ).toBe(
      [
        'PROJECT  WG IP        HEALTH   URL',
        '-------  -----------  -------  ---------------------------',
        'acme     10.100.0.2   healthy  https://acme.example.com',
        'blog     10.100.0.13  healthy  https://journal.example.com',
      ].join('\n'),
    );
  });

  it('when a key is abbreviated, then only its first 6 characters and its length show', () => {
    const key = 'eyJhbGciOiJIUzI1NiJ9.payload-of-the-token.signature-part';
    const shown = abbreviate(key);
    expect(shown).toBe(`eyJhbG…(${key.length} chars)`);
    expect(shown).not.toContain('signature');
    expect(abbreviate('short-secret')).toBe('…(12 chars)');
  });

  it('when a line holds a registered secret, then the masker replaces it', () => {
    const m = createMasker();
    m.add('s3cret-value-1234');
    m.add('abc'); // too short to mask safely: ignored
    expect(m.apply('token s3cret-value-1234 and abc')).toBe('token *** and abc');
  });
});
