import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Secret } from '../../../core/seal/secret.ts';
import { resolveFleet, resolveProject } from '../../../core/spec/defaults.ts';
import { renderWorkerBundle } from '../../../cloud-init/worker/bundle.ts';
import { placeholderOpened, placeholderSecrets } from '../../../cloud-init/placeholders.ts';
import { fleetSpec, projectSpecs } from '../../../cloud-init/test/fixtures/specs.ts';
import { images } from '../../../cloud-init/versions.ts';
import type { StudioProjectInput } from './settings.ts';
import { STUDIO_WITHHELD, studioContainerName, studioEnvList, studioSettings } from './settings.ts';

/**
 * Upstream's Studio settings, in order: supabase/supabase docker/docker-compose.yml at
 * 00069a4c6fe35a6db32b91015dad24f2fe161302 (the 2026.02.16 release, whose Studio image is
 * 2026.02.16-sha-26c615c, pinned in cloud-init/versions.ts), the `studio` service's
 * `environment`, lines 32-66.
 */
const UPSTREAM_STUDIO_ENV = [
  ['HOSTNAME', 32],
  ['STUDIO_PG_META_URL', 34],
  ['POSTGRES_PORT', 35],
  ['POSTGRES_HOST', 36],
  ['POSTGRES_DB', 37],
  ['POSTGRES_PASSWORD', 38],
  ['PG_META_CRYPTO_KEY', 39],
  ['PGRST_DB_SCHEMAS', 40],
  ['PGRST_DB_MAX_ROWS', 41],
  ['PGRST_DB_EXTRA_SEARCH_PATH', 42],
  ['DEFAULT_ORGANIZATION_NAME', 44],
  ['DEFAULT_PROJECT_NAME', 45],
  ['OPENAI_API_KEY', 46],
  ['SUPABASE_URL', 48],
  ['SUPABASE_PUBLIC_URL', 49],
  ['SUPABASE_ANON_KEY', 50],
  ['SUPABASE_SERVICE_KEY', 51],
  ['AUTH_JWT_SECRET', 52],
  ['LOGFLARE_API_KEY', 55],
  ['LOGFLARE_PUBLIC_ACCESS_TOKEN', 56],
  ['LOGFLARE_PRIVATE_ACCESS_TOKEN', 57],
  ['LOGFLARE_URL', 59],
  ['NEXT_PUBLIC_ENABLE_LOGS', 60],
  ['NEXT_ANALYTICS_BACKEND_PROVIDER', 62],
  ['SNIPPETS_MANAGEMENT_FOLDER', 65],
  ['EDGE_FUNCTIONS_MANAGEMENT_FOLDER', 66],
] as const;
/** Upstream's image for the service (same file, line 14). */
const UPSTREAM_STUDIO_IMAGE = 'supabase/studio:2026.02.16-sha-26c615c';

const fleet = { name: 'acme-fleet', domain: 'example.com' };
const project = (name: string): StudioProjectInput => ({
  name,
  subdomain: `${name}-api`,
  postgresPassword: new Secret(`pg-password-of-${name}`),
  pgMetaCryptoKey: new Secret(`crypto-key-of-${name}`),
  anonKey: new Secret(`anon-key-of-${name}`),
  serviceRoleKey: new Secret(`service-key-of-${name}`),
  jwtSecret: new Secret(`jwt-secret-of-${name}`),
});
const revealed = (env: Readonly<Record<string, string | Secret>>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v instanceof Secret ? v.reveal() : v]));

describe("a project's Studio settings", () => {
  it('when rendered, then every upstream Studio variable is either set or withheld with a reason, and nothing else is set', () => {
    const { env } = studioSettings(fleet, project('acme'));
    for (const [name, line] of UPSTREAM_STUDIO_ENV) {
      const set = name in env;
      const withheld = name in STUDIO_WITHHELD;
      expect(set !== withheld, `${name} (docker-compose.yml:${line}) set=${set} withheld=${withheld}`).toBe(
        true,
      );
    }
    const upstream = new Set<string>(UPSTREAM_STUDIO_ENV.map(([n]) => n));
    expect(Object.keys(env).filter((k) => !upstream.has(k))).toEqual([]);
    expect(Object.keys(STUDIO_WITHHELD).filter((k) => !upstream.has(k))).toEqual([]);
  });

  it('when rendered, then it runs the image upstream runs at the pinned release', () => {
    expect(studioSettings(fleet, project('acme')).image).toBe(UPSTREAM_STUDIO_IMAGE);
    expect(images.studio).toBe(UPSTREAM_STUDIO_IMAGE);
  });

  it("when rendered for acme, then every value is acme's: its database, keys, pg-meta key and its own API host", () => {
    const env = revealed(studioSettings(fleet, project('acme')).env);
    expect(env).toMatchObject({
      AUTH_JWT_SECRET: 'jwt-secret-of-acme',
      DEFAULT_ORGANIZATION_NAME: 'acme-fleet',
      DEFAULT_PROJECT_NAME: 'acme',
      PG_META_CRYPTO_KEY: 'crypto-key-of-acme',
      POSTGRES_PASSWORD: 'pg-password-of-acme',
      STUDIO_PG_META_URL: 'https://acme-api.example.com/pg',
      SUPABASE_ANON_KEY: 'anon-key-of-acme',
      SUPABASE_PUBLIC_URL: 'https://acme-api.example.com',
      SUPABASE_SERVICE_KEY: 'service-key-of-acme',
      SUPABASE_URL: 'https://acme-api.example.com',
    });
  });

  it("when rendered for two projects, then no value of one appears in the other's settings", () => {
    const a = Object.values(revealed(studioSettings(fleet, project('acme')).env)).join('\n');
    const b = Object.values(revealed(studioSettings(fleet, project('blog')).env)).join('\n');
    expect(a).not.toMatch(/blog/);
    expect(b).not.toMatch(/acme(?!-fleet)/);
  });

  it("when rendered, then the database Studio names and PostgREST's settings are the worker's own", () => {
    const resolved = resolveFleet(fleetSpec);
    const typical = resolveProject(projectSpecs.typical!);
    const bundle = renderWorkerBundle({
      fleet: resolved,
      project: typical,
      secrets: placeholderSecrets(),
      opened: placeholderOpened(typical),
      revision: 1,
      wgAddress: '10.100.0.5',
    });
    const services = (
      parse(bundle.get('docker-compose.yml')!) as {
        services: Record<string, { environment: Record<string, string> }>;
      }
    ).services;
    const env = revealed(studioSettings(fleet, project('acme')).env);
    expect([env.POSTGRES_HOST, env.POSTGRES_PORT, env.POSTGRES_DB]).toEqual([
      services.meta!.environment.PG_META_DB_HOST,
      services.meta!.environment.PG_META_DB_PORT,
      services.meta!.environment.PG_META_DB_NAME,
    ]);
    expect(services.meta!.environment.PG_META_DB_USER).toBe('supabase_admin');
    for (const k of ['PGRST_DB_SCHEMAS', 'PGRST_DB_MAX_ROWS', 'PGRST_DB_EXTRA_SEARCH_PATH'] as const) {
      expect(env[k], k).toBe(services.rest!.environment[k]);
    }
  });

  it('when printed, logged or serialised, then no secret shows; only the Docker env list reveals them', () => {
    const s = studioSettings(fleet, project('acme'));
    const printed = [JSON.stringify(s), inspect(s, { depth: 5 }), String(Object.values(s.env))].join('\n');
    for (const v of [
      'pg-password-of-acme',
      'crypto-key-of-acme',
      'anon-key-of-acme',
      'service-key-of-acme',
      'jwt-secret-of-acme',
    ]) {
      expect(printed).not.toContain(v);
    }
    expect(studioEnvList(s)).toContain('POSTGRES_PASSWORD=pg-password-of-acme');
  });

  it('when the fleet name holds shell, YAML or env syntax, then Docker gets it verbatim as data', () => {
    for (const name of ['$(reboot)', 'a\nB=c', "'; rm -rf / #", '${JWT_SECRET}']) {
      const list = studioEnvList(studioSettings({ ...fleet, name }, project('acme')));
      expect(list).toContain(`DEFAULT_ORGANIZATION_NAME=${name}`);
    }
  });

  it('when a name is not a project name, then the container name is refused, naming the value', () => {
    expect(studioContainerName('acme')).toBe('supafleet-studio-acme');
    expect(() => studioContainerName('../x')).toThrow(/"\.\.\/x" is not a project name/);
  });
});
