import { describe, expect, it } from 'vitest';
import { formatReport } from './format.ts';
import { describeResponse, layerOfError, layerOfResponse } from './layer.ts';
import { smokeTarget } from './target.ts';
import type { SmokeReport } from './types.ts';

describe('naming the layer of a failure', () => {
  const cases: { name: string; seen: Parameters<typeof layerOfResponse>[0]; want: string }[] = [
    {
      name: 'Kong refused the key itself (Server: kong/…)',
      seen: { status: 403, server: 'kong/3.9.1' },
      want: 'kong-route',
    },
    { name: 'Kong matched no route', seen: { status: 404, server: 'kong/3.9.1' }, want: 'kong-route' },
    {
      name: 'Kong could not reach the worker over wg',
      seen: { status: 502, server: 'kong/3.9.1' },
      want: 'worker-service',
    },
    {
      name: 'the worker service answered an error through Kong (Via: 1.1 kong/…)',
      seen: { status: 406, via: '1.1 kong/3.9.1', upstreamLatency: '3' },
      want: 'worker-service',
    },
    { name: "the edge answered without Kong's mark", seen: { status: 502, server: 'Caddy' }, want: 'tls' },
    {
      name: "Kong matched no route behind the master's Caddy, which deletes Server (X-Kong-Request-Id only)",
      seen: { status: 404, kongRequestId: '8d2c6a1f' },
      want: 'kong-route',
    },
    {
      name: "Kong refused the key behind the master's Caddy (X-Kong-Request-Id only)",
      seen: { status: 401, kongRequestId: '8d2c6a1f' },
      want: 'kong-route',
    },
    {
      name: "Kong could not reach the worker behind the master's Caddy (X-Kong-Request-Id only)",
      seen: { status: 502, kongRequestId: '8d2c6a1f' },
      want: 'worker-service',
    },
    {
      name: "a worker service answered an error behind the master's Caddy (Via and X-Kong-Request-Id)",
      seen: { status: 406, via: '1.1 kong/3.9.1', kongRequestId: '8d2c6a1f' },
      want: 'worker-service',
    },
  ];
  for (const c of cases) {
    it(`when ${c.name}, then the layer is ${c.want}`, () => {
      expect(layerOfResponse(c.seen)).toBe(c.want);
    });
  }

  it('when the name does not resolve, then the layer is dns; any other connection error is tls', () => {
    expect(layerOfError(Object.assign(new Error('fetch failed'), { cause: { code: 'ENOTFOUND' } }))).toBe(
      'dns',
    );
    expect(
      layerOfError(
        Object.assign(new Error('fetch failed'), { cause: { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' } }),
      ),
    ).toBe('tls');
    expect(layerOfError(Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))).toBe(
      'tls',
    );
  });

  it('when an answer is described, then it carries the status and the upstream message only', () => {
    expect(describeResponse({ status: 403 }, '{"message":"You cannot consume this service"}')).toBe(
      'HTTP 403: You cannot consume this service',
    );
    expect(describeResponse({ status: 401 }, '{"msg":"invalid or missing JWT"}')).toBe(
      'HTTP 401: invalid or missing JWT',
    );
  });
});

describe('the smoke report as text', () => {
  it('when a step failed, then its line names the layer and the summary names the step', () => {
    const report: SmokeReport = {
      project: 'acme',
      url: 'https://acme.example.com',
      ok: false,
      ms: 40,
      steps: [
        { name: 'auth: create user', outcome: 'failed', ms: 12, layer: 'kong-route', detail: 'HTTP 403' },
        { name: 'auth: sign in with password', outcome: 'skipped', ms: 0, detail: 'no user was created' },
      ],
    };
    const lines = formatReport(report);
    expect(lines[0]).toMatch(/^auth: create user +FAILED +12 ms {2}\[kong-route\] HTTP 403$/);
    expect(lines[1]).toMatch(/skipped .*\(no user was created\)$/);
    expect(lines.at(-1)).toBe(
      'smoke acme: FAILED at auth: create user [kong-route] (https://acme.example.com)',
    );
  });
});

describe('where the smoke gets its keys', () => {
  it('when the keys come from the environment and one is missing, then the error names the variable', async () => {
    await expect(
      smokeTarget('acme', {
        kind: 'env',
        url: 'https://acme.example.com',
        env: { SUPAFLEET_SMOKE_ANON_KEY: 'a' },
      }),
    ).rejects.toThrow('SUPAFLEET_SMOKE_SERVICE_ROLE_KEY is not set');
  });

  it('when the keys come from the master, then its credentials answer gives the URL and both keys', async () => {
    const master = {
      credentials: async () => ({
        url: 'https://acme.example.com',
        anon_key: 'anon',
        service_role_key: 'service',
        jwt_secret: 'j',
        postgres_password: 'p',
      }),
    } as unknown as Parameters<typeof smokeTarget>[1] & { kind: 'master' };
    expect(await smokeTarget('acme', { kind: 'master', master: master as never })).toEqual({
      url: 'https://acme.example.com',
      anonKey: 'anon',
      serviceRoleKey: 'service',
    });
  });
});

describe("the smoke's table", () => {
  it("when the worker's init file and the smoke's own DDL are compared, then they make the same schema, table and grants", async () => {
    const { readFileSync } = await import('node:fs');
    const { SMOKE_TABLE_SQL } = await import('./run.ts');
    const statements = (sql: string) =>
      sql
        .split('\n')
        .filter((l) => !l.startsWith('--'))
        .join('\n')
        .split(';')
        .map((s) => s.trim().replace(/\s+/g, ' '))
        .filter((s) => s !== '' && !s.startsWith('notify'));
    const init = readFileSync(
      new URL('../../cloud-init/worker/static/supafleet.sql', import.meta.url),
      'utf8',
    );
    expect(statements(init)).toEqual(statements(SMOKE_TABLE_SQL));
  });
});
