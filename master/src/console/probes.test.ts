import { describe, expect, it } from 'vitest';
import { kongProbe } from './probes.ts';

/** Kong 3.9.1's Admin API as kong/api/routes/health.lua and kong.lua answer it, or a failure. */
function kong(opts: { status?: number; reachable?: boolean; version?: string; down?: boolean }) {
  const calls: string[] = [];
  const f = (async (url: string) => {
    calls.push(new URL(url).pathname);
    if (opts.down) throw new TypeError('fetch failed');
    const path = new URL(url).pathname;
    if (path === '/status') {
      return new Response(JSON.stringify({ database: { reachable: opts.reachable ?? true }, server: {} }), {
        status: opts.status ?? 200,
      });
    }
    return new Response(JSON.stringify({ version: opts.version ?? '3.9.1', tagline: 'Welcome to kong' }));
  }) as typeof fetch;
  return { f, calls };
}

describe('kongProbe', () => {
  const cases = [
    { name: 'when Kong is up, then ok with its version', kong: {}, want: { ok: true, detail: '3.9.1' } },
    {
      name: 'when Kong cannot reach its database, then not ok and says so',
      kong: { reachable: false },
      want: { ok: false, detail: 'cannot reach its database' },
    },
    {
      name: 'when the Admin API answers an error, then not ok with the status',
      kong: { status: 503 },
      want: { ok: false, detail: 'its Admin API answered 503 to GET /status' },
    },
    {
      name: 'when the Admin API does not answer, then not ok, with no address in the detail',
      kong: { down: true },
      want: { ok: false, detail: 'its Admin API does not answer within 2000 ms' },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const k = kong(c.kong);
      expect(await kongProbe('http://127.0.0.1:8001/', { fetch: k.f })()).toEqual({
        name: 'Kong',
        ...c.want,
      });
    });
  }
  it('when asked again, then the version is not fetched again', async () => {
    const k = kong({});
    const probe = kongProbe('http://127.0.0.1:8001', { fetch: k.f });
    await probe();
    await probe();
    expect(k.calls).toEqual(['/status', '/', '/status']);
  });
});
