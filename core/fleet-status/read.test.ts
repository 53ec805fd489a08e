import { describe, expect, it } from 'vitest';
import { fleetStatus, projectStatus } from '../../test/support/fleet-status.ts';
import { readFleet } from './read.ts';

const TOKEN = 'sft_abc_secretsecretsecret';
const FLEET = fleetStatus([projectStatus('acme')]);

interface Seen {
  url: string;
  authorization: string | undefined;
}

/** A fetch answering from a table of URL → response, recording who was sent the token. */
function fakeFetch(answers: Record<string, () => Response>, seen: Seen[]): typeof fetch {
  return (async (input: string | URL, init?: RequestInit) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    seen.push({ url, authorization: headers.get('authorization') ?? undefined });
    const answer = answers[url];
    if (!answer)
      throw Object.assign(new TypeError('fetch failed'), {
        cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' },
      });
    return answer();
  }) as typeof fetch;
}
const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const healthz = { 'https://fleet.example.com/healthz': () => json(200, { ok: true }) };

describe('reading the fleet from the master', () => {
  it("when the API host redirects /console/ to the admin host, then the reader follows once with the token and reports the admin host's URL", async () => {
    const seen: Seen[] = [];
    const read = await readFleet({
      masterUrl: 'https://fleet.example.com',
      token: TOKEN,
      fetch: fakeFetch(
        {
          ...healthz,
          'https://fleet.example.com/console/api/fleet': () =>
            new Response(null, {
              status: 308,
              headers: { location: 'https://fleet.admin.example.com/console/api/fleet' },
            }),
          'https://fleet.admin.example.com/console/api/fleet': () => json(200, FLEET),
        },
        seen,
      ),
    });
    expect(read).toEqual({
      ok: true,
      fleet: FLEET,
      consoleUrl: 'https://fleet.admin.example.com/console/api/fleet',
    });
    expect(seen.map((s) => [s.url, s.authorization !== undefined])).toEqual([
      ['https://fleet.example.com/healthz', false],
      ['https://fleet.example.com/console/api/fleet', true],
      ['https://fleet.admin.example.com/console/api/fleet', true],
    ]);
  });

  it('when a redirect leads anywhere but https://fleet.…/console/api/fleet, then the token is not sent there and the answer is refused', async () => {
    for (const location of [
      'https://evil.example.net/console/api/fleet',
      'http://fleet.admin.example.com/console/api/fleet',
      'https://fleet.admin.example.com/login',
    ]) {
      const seen: Seen[] = [];
      const read = await readFleet({
        masterUrl: 'https://fleet.example.com',
        token: TOKEN,
        fetch: fakeFetch(
          {
            ...healthz,
            'https://fleet.example.com/console/api/fleet': () =>
              new Response(null, { status: 302, headers: { location } }),
          },
          seen,
        ),
      });
      expect(read).toMatchObject({ ok: false, kind: 'answer', status: 302 });
      expect(seen.map((s) => s.url)).not.toContain(location);
    }
  });

  const failures: { name: string; answers: Record<string, () => Response>; want: Record<string, unknown> }[] =
    [
      {
        name: 'the master does not answer',
        answers: {},
        want: { kind: 'unreachable', message: expect.stringContaining('ECONNREFUSED') },
      },
      {
        name: 'the edge answers 502 to /healthz',
        answers: { 'https://fleet.example.com/healthz': () => new Response('bad gateway', { status: 502 }) },
        want: { kind: 'unreachable', message: expect.stringContaining('HTTP 502') },
      },
      {
        name: 'the token is unknown',
        answers: {
          ...healthz,
          'https://fleet.example.com/console/api/fleet': () =>
            json(401, { error: { code: 'unauthorized', message: 'unknown or revoked API token' } }),
        },
        want: { kind: 'unauthorized', status: 401, message: 'HTTP 401: unknown or revoked API token' },
      },
      {
        name: 'the token lacks the read scope',
        answers: {
          ...healthz,
          'https://fleet.example.com/console/api/fleet': () =>
            json(403, { error: { code: 'forbidden', message: 'needs read' } }),
        },
        want: { kind: 'forbidden', status: 403 },
      },
      {
        name: 'something else answers 200',
        answers: {
          ...healthz,
          'https://fleet.example.com/console/api/fleet': () => new Response('<html>', { status: 200 }),
        },
        want: { kind: 'answer', status: 200 },
      },
    ];
  for (const c of failures) {
    it(`when ${c.name}, then the read fails as ${String(c.want.kind)} and never shows the token`, async () => {
      const read = await readFleet({
        masterUrl: 'https://fleet.example.com',
        token: TOKEN,
        fetch: fakeFetch(c.answers, []),
      });
      expect(read).toMatchObject({ ok: false, ...c.want });
      expect(JSON.stringify(read)).not.toContain(TOKEN);
    });
  }
});
