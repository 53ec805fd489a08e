import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../../test/support/temp-dir.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tempDir = useTempDirs('supafleet-pack-');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  version: string;
  private?: boolean;
};

/** npm errors that mean the registry cannot be reached (not that the package is broken). */
const OFFLINE = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|ENOTCACHED)\b/;

function npm(args: string[], cwd: string, timeout: number): SpawnSyncReturns<string> {
  return spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    timeout,
    // The user's npm configuration and cache; none of the repository's npm_* run variables.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
  });
}

describe('the published package', () => {
  it('when the packed tarball is installed into an empty folder, then npx supafleet --version and supafleet validate work there', async (ctx) => {
    expect(pkg.private).toBeUndefined();
    const work = await tempDir();
    // Pack as `npm publish` would (the prepack staleness check is check:dist's job).
    const packed = npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], repo, 120_000);
    expect(packed.status, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    const files = info.files.map((f) => f.path);
    expect(files).toContain('cli/dist/supafleet.mjs');
    expect(files).toContain('schemas/project.schema.json');
    expect(files).toContain('master/migrations/001-registry.sql');
    // The sources, tests and examples stay out: the bundle is all the command runs.
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('examples/') || f.includes('/test/'))).toEqual([]);

    const app = join(work, 'app');
    mkdirSync(app);
    const tarball = join(work, info.filename);
    // Dependencies come from the registry (or the local cache when it has them).
    const installed = npm(
      ['install', tarball, '--prefix', app, '--prefer-offline', '--ignore-scripts'],
      work,
      240_000,
    );
    if (installed.status !== 0 && OFFLINE.test(installed.stderr) && process.env.CI !== 'true') {
      ctx.skip(`the npm registry cannot be reached: ${OFFLINE.exec(installed.stderr)![1]}`);
    }
    expect(installed.status, installed.stderr).toBe(0);
    expect(existsSync(join(app, 'node_modules', '.bin', 'supafleet'))).toBe(true);

    const version = spawnSync('npx', ['--no-install', 'supafleet', '--version'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(version.stderr).toBe('');
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);

    const fleet = join(work, 'fleet');
    cpSync(join(repo, 'examples', 'fleet'), fleet, { recursive: true });
    const bin = join(app, 'node_modules', '.bin', 'supafleet');
    const validate = spawnSync(bin, ['validate', '--root', fleet], {
      cwd: app,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(validate.stderr).toBe('ok: fleet.yaml and 3 projects are valid\n');
    expect(validate.status).toBe(0);

    const json = spawnSync(bin, ['validate', '--root', fleet, '--json'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, projects: 3, errors: [] });

    // A command with chunks of its own (libsodium, the renderers) works from the installed package too.
    const keygen = spawnSync(bin, ['keygen', '--json'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(keygen.status).toBe(0);
    expect(Object.keys(JSON.parse(keygen.stdout) as object).sort()).toEqual(['privateKey', 'publicKey']);
    const out = join(work, 'render');
    const render = spawnSync(bin, ['render', 'master', '--root', fleet, '--out', out], {
      cwd: app,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(render.status, render.stderr).toBe(0);
    expect(existsSync(join(out, 'user-data.yaml'))).toBe(true);

    // `npx supafleet init` outside a clone: the command loads from the package and, with no
    // GitHub token in its environment, stops before any call and names what it needs.
    const env = { ...process.env };
    delete env.GITHUB_TOKEN;
    delete env.GH_TOKEN;
    const init = spawnSync('npx', ['--no-install', 'supafleet', 'init', '--yes', '--json'], {
      cwd: app,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(init.status, init.stderr).toBe(2);
    expect(JSON.parse(init.stdout)).toMatchObject({
      ok: false,
      error: expect.stringContaining('GITHUB_TOKEN'),
    });
  }, 420_000);
});
