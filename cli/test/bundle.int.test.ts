import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetYaml, projectYaml, writeFleetDir } from '../../test/support/fleet-fixture.ts';
import { runCli } from '../../test/support/cli-io.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { serveMaster } from '../../test/support/master-serve.ts';
import { useTempDirs } from '../../test/support/temp-dir.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
/** The package's bin: the bundle scripts/build-cli.ts wrote (npm run check:dist keeps it fresh). */
const BIN = join(repo, 'cli', 'dist', 'supafleet.mjs');
const tempDir = useTempDirs();

/** The bundled command, run by Node as an installed bin is (no TypeScript loader). */
function bundled(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? repo,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', ...opts.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the bundled CLI (cli/dist/supafleet.mjs)', () => {
  it('when asked for its version, then it prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    const r = bundled(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('when it is started, then it loads no TypeScript loader and starts from a plain .mjs', () => {
    const entry = readFileSync(BIN, 'utf8');
    expect(entry.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(entry).not.toMatch(/\btsx\b/);
  });

  it.skipIf(!('enableCompileCache' in module))(
    "when Node has a compile cache (22+), then the bundle keeps it in the user's cache folder, not the shared temporary one",
    async () => {
      const home = await tempDir();
      const r = bundled(['--version'], { env: { HOME: home } });
      expect(r.status).toBe(0);
      expect(existsSync(join(home, '.cache', 'supafleet', 'node-compile-cache'))).toBe(true);
    },
  );

  it('when it validates examples/fleet, then it exits 0 with the documented JSON', () => {
    const r = bundled(['validate', '--root', 'examples/fleet', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, projects: 3, errors: [] });
  });

  it('when a fleet breaks the schemas in many ways, then the precompiled schemas report exactly what the sources do', async () => {
    const root = await tempDir();
    await writeFleetDir(root, {
      'fleet.yaml': `${fleetYaml()}unknown_key: 1\nnetwork: { cidr: 7 }\n`,
      'projects/acme.yaml': projectYaml(
        'acme',
        'protect: "yes"\nstorage: { file_size_limit_mb: -3 }\nbackup: { keep: { daily: 1000 } }\napi: { cors_origins: [1, 2] }\nextra: true\n',
      ),
      'projects/bad.yaml': 'name: bad\nserver: { type: cx22 }\nauth: { signup: { enabled: maybe } }\n',
      // YAML the reader refuses: its messages come from the yaml package the bundle carries.
      'projects/dupe.yaml': 'name: dupe\nname: again\nserver: { type: cx22, location: fsn1 }\n',
      'projects/tags.yaml': 'name: tags\nserver: !foo { type: cx22, location: fsn1 }\n',
      'projects/broken.yaml': 'name: broken\nserver: { type: cx22, location: fsn1\n  - x: [\n',
      'projects/multi.yaml': 'name: multi\n---\nname: two\n',
    });
    const fromBundle = bundled(['validate', '--json'], { cwd: root });
    const fromSources = await runCli(['validate', '--json'], { cwd: root });
    expect(fromBundle.status).toBe(1);
    expect(fromSources.code).toBe(1);
    const errors = (JSON.parse(fromSources.stdout) as { errors: unknown[] }).errors;
    expect(errors.length).toBeGreaterThan(10);
    expect(JSON.parse(fromBundle.stdout)).toEqual(JSON.parse(fromSources.stdout));
  });

  it('when it renders the master, then the static files inlined into the bundle are the ones the sources read', async () => {
    const outBundle = await tempDir();
    const outSources = await tempDir();
    const fromBundle = bundled([
      'render',
      'master',
      '--root',
      'examples/fleet',
      '--out',
      outBundle,
      '--json',
    ]);
    const fromSources = await runCli(
      ['render', 'master', '--root', 'examples/fleet', '--out', outSources, '--json'],
      {
        cwd: repo,
      },
    );
    expect(fromBundle.status).toBe(0);
    const files = (out: string) => (JSON.parse(out) as { files: unknown[] }).files;
    expect(files(fromBundle.stdout)).toEqual(files(fromSources.stdout));
    expect(readFileSync(join(outBundle, 'user-data.yaml'), 'utf8')).toBe(
      readFileSync(join(outSources, 'user-data.yaml'), 'utf8'),
    );
  });

  it('when it is called wrongly, then it exits 2 and says so on stderr', () => {
    const r = bundled(['validate', '--no-such-option']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--no-such-option'/);
  });
});

const pgSkip = postgresSkipReason();
if (pgSkip) console.log(`skipping the bundled master migrate test: ${pgSkip}`);

describe.skipIf(pgSkip !== undefined)('the bundled CLI and the master registry', () => {
  let pg: TestPostgres;
  let url: string;
  beforeAll(async () => {
    pg = await startPostgres();
    url = await pg.createDatabase('bundle');
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('when master migrate runs from the bundle, then it finds the migrations the package ships', () => {
    const first = bundled(['master', 'migrate', '--json'], { env: { DATABASE_URL: url } });
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect((JSON.parse(first.stdout) as { applied: number[] }).applied.length).toBeGreaterThan(0);
    const again = bundled(['master', 'migrate', '--json'], { env: { DATABASE_URL: url } });
    expect(JSON.parse(again.stdout)).toEqual({ applied: [] });
  });

  it('when master serve runs from the bundle, then its listeners answer and SIGTERM stops it', async () => {
    const m = await serveMaster({
      argv: [BIN, 'master', 'serve'],
      cwd: repo,
      databaseUrl: url,
      dir: await tempDir(),
      agentHost: '127.103.0.1',
    });
    try {
      expect(await (await fetch(`${m.apiUrl}/healthz`)).json()).toEqual({ ok: true });
      expect(await (await fetch(`${m.agentUrl}/healthz`)).json()).toEqual({ ok: true });
    } finally {
      expect(await m.stop()).toBe(0);
    }
    expect(m.logs()).not.toContain(m.sealPrivateKey);
  }, 60_000);
});
