import { describe, expect, it } from 'vitest';
import { SUPABASE_MODE_SOURCES } from '../../../fakes/logflare/server.ts';
import { LOGFLARE_SUPABASE_SOURCES, stampEvent, WORKER_SOURCES } from './sources.ts';

describe('Logflare sources', () => {
  it('when the master names Logflare sources, then they are the ones Logflare v1.31.2 creates in Supabase mode', () => {
    expect([...LOGFLARE_SUPABASE_SOURCES]).toEqual([...SUPABASE_MODE_SOURCES]);
  });

  it('when workers ship logs, then they may write only their services’ sources, never Kong’s or the pooler’s', () => {
    expect(WORKER_SOURCES).toEqual([
      'deno-relay-logs',
      'gotrue.logs.prod',
      'postgREST.logs.prod',
      'postgres.logs',
      'realtime.logs.prod',
      'storage.logs.prod.2',
    ]);
    for (const s of WORKER_SOURCES) expect(LOGFLARE_SUPABASE_SOURCES).toContain(s);
  });

  it('when an event is stamped, then the input is left as it was and a non-object metadata is replaced', () => {
    const input = { message: 'm', project: 'blog', metadata: 'not an object' };
    const out = stampEvent('realtime.logs.prod', input, 'acme');
    expect(out).toEqual({
      message: 'm',
      project: 'acme',
      metadata: { project: 'acme', external_id: 'acme' },
    });
    expect(input).toEqual({ message: 'm', project: 'blog', metadata: 'not an object' });
  });
});
