import { describe, expect, it } from 'vitest';
import { Secret } from '../../core/seal/secret.ts';
import { createLogger } from './logger.ts';

function capture(level?: 'debug' | 'info' | 'warn' | 'error') {
  const lines: string[] = [];
  const log = createLogger('acme', { write: (s: string) => void lines.push(s) }, level);
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logger', () => {
  it('when a credential-shaped field or a Secret is logged, then the line shows [redacted]', () => {
    const { log, lines } = capture();
    log.info(
      { token: 'tok-123456', req: { headers: { authorization: 'Bearer x' } }, s: new Secret('hidden-789') },
      'x',
    );
    expect(lines.join('')).not.toMatch(/tok-123456|Bearer x|hidden-789/);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      project: 'acme',
      token: '[redacted]',
      req: { headers: '[redacted]' },
      s: '[redacted]',
    });
  });

  it('when fields and a message are logged, then one JSON line carries level, time, project, fields and msg', () => {
    const { log, lines, parsed } = capture();
    log.warn({ revision: 3, error: 'boom' }, 'apply failed');
    log.info('agent stopped');
    expect(lines.every((l) => l.endsWith('}\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    const [first, second] = parsed();
    expect(first).toEqual({
      level: 40,
      time: expect.any(Number),
      project: 'acme',
      revision: 3,
      error: 'boom',
      msg: 'apply failed',
    });
    expect(second).toEqual({ level: 30, time: expect.any(Number), project: 'acme', msg: 'agent stopped' });
  });

  it('when a call is below the logger level, then nothing is written', () => {
    const { log, lines } = capture('warn');
    log.debug('d');
    log.info('i');
    log.error('e');
    expect(lines).toHaveLength(1);
    expect(capture().parsed()).toEqual([]);
  });

  it('when a field holds a cycle or a BigInt, then the line is still written', () => {
    const { log, lines, parsed } = capture();
    const cyclic: Record<string, unknown> = { n: 1n };
    cyclic['self'] = cyclic;
    log.info({ cyclic }, 'odd');
    expect(parsed()[0]).toMatchObject({ cyclic: { n: '1' }, msg: 'odd' });
    expect(lines[0]).toContain('[circular]');
  });
});
