/**
 * The rendered worker stack against upstream's self-hosted compose at the pinned
 * release (supabase/supabase docker/docker-compose.yml @00069a4c, Studio
 * 2026.02.16-sha-26c615c), one case per finding of the fidelity audit.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { placeholderOpened, placeholderSecrets } from '../placeholders.ts';
import { parseEnvFile } from '../shared/env-file.ts';
import { renderWorkerBundle } from '../worker/bundle.ts';
import { fleetSpec, projectSpecs } from './fixtures/specs.ts';

function render() {
  const project = resolveProject(projectSpecs.typical!);
  const secrets = placeholderSecrets();
  const bundle = renderWorkerBundle({
    fleet: resolveFleet(fleetSpec),
    project,
    secrets,
    opened: placeholderOpened(project),
    revision: 1,
    wgAddress: '10.100.0.5',
  });
  const compose = parse(bundle.get('docker-compose.yml')!) as {
    services: Record<
      string,
      { environment?: Record<string, string>; volumes?: string[]; healthcheck?: { test: string[] } }
    >;
  };
  return { bundle, compose, env: parseEnvFile(bundle.get('.env')!), secrets };
}

describe('worker stack against upstream self-hosted Supabase', () => {
  it('when rendered, then Storage has per-project S3-protocol keys from .env (upstream :345-346)', () => {
    const { compose, env, secrets } = render();
    const storage = compose.services.storage!.environment!;
    expect(storage.S3_PROTOCOL_ACCESS_KEY_ID).toBe('${S3_PROTOCOL_ACCESS_KEY_ID}');
    expect(storage.S3_PROTOCOL_ACCESS_KEY_SECRET).toBe('${S3_PROTOCOL_ACCESS_KEY_SECRET}');
    expect(env.S3_PROTOCOL_ACCESS_KEY_ID).toBe(secrets.s3_protocol_access_key_id);
    expect(env.S3_PROTOCOL_ACCESS_KEY_SECRET).toBe(secrets.s3_protocol_access_key_secret);
  });

  it("when rendered, then Edge Functions' SUPABASE_DB_URL is the postgres role on db (upstream :408)", () => {
    const { compose } = render();
    expect(compose.services.functions!.environment!.SUPABASE_DB_URL).toBe(
      'postgresql://postgres:${POSTGRES_PASSWORD}@db:5432/postgres',
    );
  });

  it('when rendered, then the db mounts webhooks.sql as init-scripts/98-webhooks.sql before 99-roles.sql (upstream :471-477)', () => {
    const { compose, bundle } = render();
    const mounts = compose.services
      .db!.volumes!.map((v) => /^\.\/(db\/init\/[^:]+):\/docker-entrypoint-initdb\.d\/([^:]+)/.exec(v))
      .filter((m) => m !== null)
      .map((m) => [m[2], m[1]]);
    expect(Object.fromEntries(mounts)).toEqual({
      'init-scripts/98-webhooks.sql': 'db/init/webhooks.sql',
      'init-scripts/99-jwt.sql': 'db/init/jwt.sql',
      'init-scripts/99-roles.sql': 'db/init/roles.sql',
      'migrations/99-realtime.sql': 'db/init/realtime.sql',
      'migrations/99-supafleet.sql': 'db/init/supafleet.sql',
    });
    for (const [, file] of mounts) expect(bundle.has(file!)).toBe(true);
  });

  it('when rendered, then Storage and Vector are health-checked by service name, as upstream (docker-compose.yml:314 and :538)', () => {
    const { compose } = render();
    expect(compose.services.storage!.healthcheck!.test).toContain('http://storage:5000/status');
    expect(compose.services.vector!.healthcheck!.test).toContain('http://vector:9001/health');
  });
});
