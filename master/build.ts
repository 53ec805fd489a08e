/**
 * Bundles the master into one ESM file with esbuild: `npx tsx master/build.ts [outdir]`
 * (default out/master). Writes `master.mjs` and `migrations/`. Static files the
 * renderers read at load time are inlined, so the bundle needs nothing beside it
 * but its migrations.
 */
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `staticFile(import.meta.url, './x')` → the file's text as a string literal. */
const inlineStatic: Plugin = {
  name: 'supafleet-inline-static',
  setup(b) {
    b.onLoad({ filter: /[\\/](cloud-init|master[\\/]src[\\/]registry)[\\/].*\.ts$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      const re = /staticFile\(import\.meta\.url, '([^']+)'\)/g;
      const found = [...text.matchAll(re)];
      for (const m of found) {
        const content = await readFile(fileURLToPath(new URL(m[1]!, `file://${args.path}`)), 'utf8');
        text = text.replace(m[0], JSON.stringify(content));
      }
      if (args.path.endsWith(`${'registry'}/migrate.ts`)) {
        const from = "new URL('../../migrations/', import.meta.url)";
        if (!text.includes(from))
          throw new Error(`${args.path}: the migrations location changed; update master/build.ts`);
        text = text.replace(from, "new URL('./migrations/', import.meta.url)");
      }
      return { contents: text, loader: 'ts' };
    });
  },
};

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
    plugins: [inlineStatic],
    logLevel: 'warning',
  });
  await cp(resolve(root, 'master/migrations'), resolve(outdir, 'migrations'), { recursive: true });
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildMaster(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`built ${out}`);
}
