/**
 * The rendered Vector configs and Logflare's reach. No `vector` binary exists on
 * Debian, so the configs are checked by `vector-config.ts` (a model of what Vector
 * v0.53.0 refuses at load, from its source), and the routing is checked against what
 * the master's log endpoint and Logflare v1.31.2 accept.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WORKER_SOURCES, LOGFLARE_SUPABASE_SOURCES } from '../../master/src/logs/sources.ts';
import { renderMasterStack } from '../master/stack.ts';
import { placeholderMasterSecrets } from '../master/secrets.ts';
import { masterLayout } from '../master/layout.ts';
import { placeholderSecrets } from '../placeholders.ts';
import { renderWorkerBundle } from '../worker/bundle.ts';
import { workerEnvEntries } from '../worker/env.ts';
import { LOG_SOURCES, MASTER_AGENT_PORT } from '../worker/vector.ts';
import { fixtureMasterCases, fixtureWorkerCases, hostileMasterCases, hostileWorkerCases } from './cases.ts';
import { vectorConfigProblems, vrlProblems } from './vector-config.ts';

type Compose = { services: Record<string, { environment?: Record<string, string>; ports?: string[] }> };

function worker(c: ReturnType<typeof fixtureWorkerCases>[number]) {
  const secrets = placeholderSecrets();
  const bundle = renderWorkerBundle({
    fleet: c.fleet,
    project: c.project,
    secrets,
    opened: c.opened,
    revision: 1,
    wgAddress: '10.100.0.2',
  });
  return {
    secrets,
    bundle,
    vector: parse(bundle.get('vector/vector.yml')!) as Record<
      string,
      Record<string, Record<string, unknown>>
    >,
    compose: parse(bundle.get('docker-compose.yml')!) as Compose,
  };
}

function master(c: ReturnType<typeof fixtureMasterCases>[number]) {
  const stack = renderMasterStack({ fleet: c.fleet, secrets: placeholderMasterSecrets() });
  return {
    stack,
    vector: parse(stack.get('opt/supafleet-master/vector/vector.yml')!) as Record<
      string,
      Record<string, Record<string, unknown>>
    >,
    compose: parse(stack.get('opt/supafleet-master/docker-compose.yml')!) as Compose,
  };
}

describe('the Vector config checker', () => {
  it.each([
    [
      "upstream's removed to_timestamp!",
      '.timestamp = to_timestamp!(parsed.time)',
      'has no function to_timestamp',
    ],
    ['an unhandled parse_json', 'parsed = parse_json(.event_message)', 'fallible parse_json()'],
    ['a regex that does not compile', "parsed, err = parse_regex(.m, r'(?P<a>')", 'does not compile'],
  ])('when a program has %s, then it is reported', (_name, program, want) => {
    expect(vrlProblems('t', program).join('\n')).toContain(want);
  });

  it('when programs handle errors as upstream does, then nothing is reported', () => {
    const program = [
      'parsed, err = parse_json(.event_message)',
      'if err == null { .metadata = merge!(.metadata, parsed) }',
      'url, err = split(parsed.request, " ")',
      '.x = upcase!(.y) # parse_json(',
      '.z = "to_timestamp(x)"',
    ].join('\n');
    expect(vrlProblems('t', program)).toEqual([]);
  });

  it('when a config has an unknown option, a dangling input, an unread transform or a variable the container lacks, then each is reported', () => {
    const problems = vectorConfigProblems(
      {
        sources: { c: { type: 'docker_logs', include_label: ['x'] } },
        transforms: {
          a: { type: 'remap', inputs: ['c'], source: '.a = 1' },
          r: { type: 'route', inputs: ['c'], route: { x: '.a == 1' } },
        },
        sinks: {
          s: { type: 'http', inputs: ['r.y'], uri: 'http://${HOST}/', encoding: { codec: 'json' } },
        },
      },
      [],
    );
    expect(problems).toEqual([
      'sources.c: unknown option "include_label"',
      'sinks.s: input "r.y" names no component',
      'transforms.a: nothing reads it',
      "${HOST} is not in the container's environment",
    ]);
  });
});

describe('worker Vector config', () => {
  const cases = [...fixtureWorkerCases(), ...hostileWorkerCases()];

  it.each(cases.map((c) => [c.name, c] as const))(
    'when %s is rendered, then Vector v0.53.0 would load its config',
    (_name, c) => {
      const { vector, compose } = worker(c);
      expect(vectorConfigProblems(vector, Object.keys(compose.services.vector!.environment ?? {}))).toEqual(
        [],
      );
    },
  );

  it('when a worker ships logs, then each service goes to the master endpoint under a source the master accepts', () => {
    const c = fixtureWorkerCases()[0]!;
    const { vector, compose } = worker(c);
    const port = Number(masterLayout(c.fleet).agentListen.split(':')[1]);
    expect(MASTER_AGENT_PORT).toBe(port);
    const shipped = Object.values(vector.sinks!).map((s) => {
      const uri = new URL(String(s.uri).replace('${SUPAFLEET_MASTER}', '10.100.0.1'));
      expect(`${uri.host}${uri.pathname}`).toBe(`10.100.0.1:${port}/v1/agent/logs`);
      expect(s.auth).toEqual({ strategy: 'bearer', token: '${LOGFLARE_API_KEY}' });
      return uri.searchParams.get('source_name');
    });
    expect(shipped.sort()).toEqual([...WORKER_SOURCES]);
    for (const service of Object.keys(LOG_SOURCES)) expect(Object.keys(compose.services)).toContain(service);
  });

  it("when the worker's Vector authenticates, then its key is the project's log key the master checks", () => {
    const c = fixtureWorkerCases()[0]!;
    const { secrets } = worker(c);
    expect(
      workerEnvEntries({
        fleet: c.fleet,
        project: c.project,
        secrets,
        opened: c.opened,
        revision: 1,
        wgAddress: '10.100.0.2',
      }).LOGFLARE_API_KEY,
    ).toBe(secrets.logflare_api_key);
  });

  it('when a worker is rendered, then no file talks to Logflare directly or names a source Logflare lacks', () => {
    for (const c of fixtureWorkerCases()) {
      for (const [path, content] of worker(c).bundle) {
        expect(content, path).not.toMatch(/:4000\/api\/logs/);
        for (const m of content.matchAll(/source_name=([\w.-]+)/g)) {
          expect(LOGFLARE_SUPABASE_SOURCES, path).toContain(m[1]);
        }
      }
    }
  });
});

describe('master Vector config and Logflare', () => {
  const cases = [...fixtureMasterCases(), ...hostileMasterCases()];

  it.each(cases.map((c) => [c.name, c] as const))(
    'when the master (%s) is rendered, then Vector v0.53.0 would load its config',
    (_name, c) => {
      const { vector, compose } = master(c);
      expect(vectorConfigProblems(vector, Object.keys(compose.services.vector!.environment ?? {}))).toEqual(
        [],
      );
    },
  );

  it("when the master ships Kong's logs, then they go to cloudflare.logs.prod as upstream, and nothing to a source Logflare lacks", () => {
    const { vector, stack } = master(fixtureMasterCases()[0]!);
    expect(Object.values(vector.sinks!).map((s) => s.uri)).toEqual([
      'http://logflare:4000/api/logs?source_name=cloudflare.logs.prod',
    ]);
    for (const [path, content] of stack) {
      for (const m of content.matchAll(/source_name=([\w.-]+)/g)) {
        expect(LOGFLARE_SUPABASE_SOURCES, path).toContain(m[1]);
      }
    }
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    'when the master (%s) is rendered, then Logflare is published on loopback only and nothing on the wg address reaches port 4000',
    (_name, c) => {
      const { compose, stack } = master(c);
      const wg = masterLayout(c.fleet).wgAddress;
      expect(compose.services.logflare!.ports).toEqual(['127.0.0.1:4000:4000']);
      for (const [name, s] of Object.entries(compose.services)) {
        for (const p of s.ports ?? []) {
          expect(p.startsWith(`${wg}:`), `${name} publishes ${p} on the wg address`).toBe(false);
          if (/:4000$/.test(p)) expect(p.startsWith('127.0.0.1:'), `${name}: ${p}`).toBe(true);
        }
      }
      // Caddy (the public edge) proxies nothing to Logflare
      expect(stack.get('opt/supafleet-master/caddy/Caddyfile')).not.toMatch(/:4000\b/);
    },
  );

  it('when the master API forwards worker logs, then it is given Logflare on loopback and the ingest token', () => {
    const { compose } = master(fixtureMasterCases()[0]!);
    expect(compose.services.master!.environment).toMatchObject({
      SUPAFLEET_LOGFLARE_URL: 'http://127.0.0.1:4000',
      SUPAFLEET_LOGFLARE_TOKEN: '${LOGFLARE_PUBLIC_ACCESS_TOKEN}',
    });
  });
});
