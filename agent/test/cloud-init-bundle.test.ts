import { describe, expect, it } from 'vitest';
import { generateProjectSecrets, secretValues as projectSecretValues } from '../../core/secrets/generate.ts';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { placeholderOpened } from '../../cloud-init/placeholders.ts';
import { fleetSpec, projectSpecs } from '../../cloud-init/test/fixtures/specs.ts';
import { renderWorkerBundle, SECRET_BUNDLE_FILES } from '../../cloud-init/worker/bundle.ts';
import { scheduleFromCrontab } from '../src/backup-schedule.ts';
import { checkBundlePaths } from '../src/bundle-path.ts';
import { probesFromCompose } from '../src/health/probes.ts';
import { BACKUP_CRONTAB, BACKUP_SCRIPT, COMPOSE_FILE, ENV_FILE, SECRET_FILES } from '../src/layout.ts';
import { Redactor, secretValues } from '../src/redactor.ts';

/** The contract between the cloud-init renderer and the agent, checked on a real rendered bundle. */
describe('a worker bundle as cloud-init renders it', async () => {
  const project = resolveProject(projectSpecs['full']!);
  const secrets = await generateProjectSecrets(new Date('2026-11-24T00:00:00Z'));
  const opened = placeholderOpened(project);
  const bundle = renderWorkerBundle({
    fleet: resolveFleet(fleetSpec),
    project,
    secrets,
    opened,
    revision: 3,
    wgAddress: '10.100.0.5',
  });

  it('when the agent checks its paths, then every one is accepted', () => {
    expect(checkBundlePaths([...bundle.keys()])).toEqual([]);
  });

  it('when the agent looks for its files, then compose, .env, the backup script and its schedule are there', () => {
    for (const f of [COMPOSE_FILE, ENV_FILE, BACKUP_SCRIPT, BACKUP_CRONTAB])
      expect(bundle.has(f), f).toBe(true);
    expect(scheduleFromCrontab(bundle.get(BACKUP_CRONTAB)!)).toBe(project.backup.schedule);
  });

  it('when probes are derived from the compose file, then every Supabase service gets one at the wg address', async () => {
    const probes = await probesFromCompose(bundle.get(COMPOSE_FILE)!);
    expect(probes.map((p) => p.service).sort()).toEqual([
      'auth',
      'db',
      'functions',
      'meta',
      'realtime',
      'rest',
      'storage',
    ]);
    for (const p of probes) {
      expect(p.type === 'http' ? new URL(p.url).hostname : p.host, p.service).toBe('10.100.0.5');
    }
  });

  it('when the agent reads the secret files, then every generated secret and opened value in the bundle is redacted', () => {
    expect([...SECRET_FILES].sort()).toEqual([...SECRET_BUNDLE_FILES].sort());
    const redactor = new Redactor();
    for (const f of SECRET_FILES) redactor.add(...secretValues(f, bundle.get(f) ?? ''));
    const inBundle = [...projectSecretValues(secrets), ...Object.values(opened)].filter((v) =>
      [...bundle.values()].some((content) => content.includes(v)),
    );
    expect(inBundle.length).toBeGreaterThan(5);
    for (const v of inBundle)
      expect(redactor.scrub(`x ${v} y`), 'a bundle secret the agent would not redact').toBe('x [redacted] y');
  });

  it('when files are written 0644 because containers read them, then none of them holds a secret', () => {
    const values = [...projectSecretValues(secrets), ...Object.values(opened)];
    for (const [path, content] of bundle) {
      if (SECRET_FILES.includes(path)) continue;
      for (const v of values) expect(content.includes(v), `${path} holds a secret value`).toBe(false);
    }
  });
});
