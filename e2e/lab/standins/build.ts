/**
 * Bundles the stand-in program (main.ts, pg inlined) into `outfile` plus a folder of
 * chunks beside it: each service loads only its own code (pg only for db, rest and
 * meta), which keeps the seven processes of a worker quick to start.
 */
import { build } from 'esbuild';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export async function buildStandins(outfile: string): Promise<void> {
  await build({
    entryPoints: { [basename(outfile, '.mjs')]: join(dirname(fileURLToPath(import.meta.url)), 'main.ts') },
    outdir: dirname(outfile),
    outExtension: { '.js': '.mjs' },
    chunkNames: 'standin-chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['pg-native'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
}
