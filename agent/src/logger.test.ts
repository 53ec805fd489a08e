import { describe, expect, it } from 'vitest';
import { Secret } from '../../core/seal/index.ts';
import { createLogger } from './logger.ts';

describe('logger', () => {
  it('when a credential-shaped field or a Secret is logged, then the line shows [redacted]', () => {
    const lines: string[] = [];
    const log = createLogger('acme', { write: (s: string) => void lines.push(s) });
    log.info(
      { token: 'tok-123456', req: { headers: { authorization: 'Bearer x' } }, s: new Secret('hidden-789') },
      'x',
    );
    expect(lines.join('')).not.toMatch(/tok-123456|Bearer x|hidden-789/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ project: 'acme', token: '[redacted]', s: '[redacted]' });
  });
});
