/**
 * Bundles the master into one ESM file with esbuild: `npx tsx master/build.ts [outdir]`
 * (default out/master). Writes `master.mjs` and `migrations/`. Static files the
 * renderers read at load time are inlined, so the bundle needs nothing beside it
 * but its migrations.
 */
import { cp, mkdir, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { inlineStatic } from '../scripts/inline-static.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Static files inlined; the migrations folder is looked up beside the bundle. */
const inlineStaticFiles = inlineStatic(
  /[\\/](cloud-init|master[\\/]src[\\/]registry)[\\/].*\.ts$/,
  (path, text) => {
    if (!path.endsWith(`${'registry'}/migrate.ts`)) return text;
    const from = "new URL('../../migrations/', import.meta.url)";
    if (!text.includes(from))
      throw new Error(`${path}: the migrations location changed; update master/build.ts`);
    return text.replace(from, () => "new URL('./migrations/', import.meta.url)");
  },
);

export async function buildMaster(outdir = resolve(root, 'out/master')): Promise<string> {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const outfile = resolve(outdir, 'master.mjs');
  await build({
    stdin: {
      contents:
        "import { main } from './master/src/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n",
      resolveDir: root,
      sourcefile: 'master-entry.ts',
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    external: ['pg-native'],
    // CommonJS dependencies (pg, express) call require(): give the ESM bundle one
    banner: {
      js: "import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);",
    },
    plugins: [inlineStaticFiles],
    logLevel: 'warning',
  });
  await cp(resolve(root, 'master/migrations'), resolve(outdir, 'migrations'), { recursive: true });
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildMaster(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`built ${out}`);
}
