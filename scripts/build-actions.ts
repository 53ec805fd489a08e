/**
 * Bundles each action's `src/main.ts` into `actions/<name>/dist/index.js` with
 * esbuild (one self-contained ESM file, as GitHub runs actions from the
 * repository without installing dependencies).
 *
 *   tsx scripts/build-actions.ts            write actions/<name>/dist/
 *   tsx scripts/build-actions.ts --check    fail when a committed dist/ is stale, the
 *                                           CLI's cli/dist/ included (scripts/build-cli.ts)
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { staleCliFiles } from './build-cli.ts';
import { inlineStatic } from './inline-static.ts';

const root = resolve(import.meta.dirname, '..');
const actionsDir = join(root, 'actions');

/** Actions that have an entry point. */
export function actionNames(): string[] {
  if (!existsSync(actionsDir)) return [];
  return readdirSync(actionsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(actionsDir, d.name, 'src', 'main.ts')))
    .map((d) => d.name)
    .sort();
}

async function bundle(name: string, outDir: string): Promise<string> {
  const outfile = join(outDir, 'index.js');
  await build({
    entryPoints: [join(actionsDir, name, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    sourcemap: false,
    logLevel: 'warning',
    plugins: [inlineStatic(/[\\/]cloud-init[\\/].*\.ts$/)],
    // CommonJS dependencies inside an ESM bundle need require().
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return outfile;
}

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  const names = actionNames();
  let stale = 0;
  for (const name of names) {
    const committed = join(actionsDir, name, 'dist', 'index.js');
    if (!check) {
      await bundle(name, join(actionsDir, name, 'dist'));
      console.log(`built actions/${name}/dist/index.js`);
      continue;
    }
    const tmp = mkdtempSync(join(tmpdir(), `supafleet-dist-${name}-`));
    try {
      const fresh = readFileSync(await bundle(name, tmp));
      if (!existsSync(committed) || !fresh.equals(readFileSync(committed))) {
        console.error(
          `actions/${name}/dist/index.js is stale: run npm run build:actions and commit the result`,
        );
        stale += 1;
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  if (check) {
    const cli = await staleCliFiles();
    for (const file of cli) console.error(`${file} is stale: run npm run build:cli and commit cli/dist/`);
    stale += cli.length;
  }
  if (check && stale === 0) console.log(`dist up to date for ${names.length} action(s) and the CLI`);
  return stale === 0 ? 0 : 1;
}

process.exitCode = await main();
