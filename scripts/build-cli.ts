/**
 * Bundles the `supafleet` command line with esbuild into `cli/dist/`: the entry
 * `supafleet.mjs` (the package's bin) and chunks that the commands import when
 * they run, so `supafleet validate` loads the spec checks and not the master's
 * server, the planner's clients or supabase-js. Nothing is compiled at run time.
 *
 *   tsx scripts/build-cli.ts            write cli/dist/
 *   tsx scripts/build-cli.ts --check    fail when the committed cli/dist/ is stale
 *
 * The output is deterministic (esbuild names chunks by their content), so the
 * check compares a fresh build with the committed files byte for byte.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { inlineStatic } from './inline-static.ts';
import { precompiledSchemas } from './precompiled-schemas.ts';

const root = resolve(import.meta.dirname, '..');
/** Where the bundle is committed. */
export const CLI_DIST = join(root, 'cli', 'dist');
/** The bin, relative to the repository (package.json's bin points here). */
export const CLI_BIN = 'cli/dist/supafleet.mjs';

/**
 * Static files of the renderers are inlined; the registry's migrations are read at run time
 * from the package's `master/migrations/` (every output file sits in cli/dist/).
 */
const inlineStaticFiles = inlineStatic(
  /[\\/](cloud-init|master[\\/]src[\\/]registry)[\\/].*\.ts$/,
  (path, text) => {
    if (!/[\\/]registry[\\/]migrate\.ts$/.test(path)) return text;
    const from = "new URL('../../migrations/', import.meta.url)";
    if (!text.includes(from))
      throw new Error(`${path}: the migrations location changed; update scripts/build-cli.ts`);
    return text.replace(from, () => "new URL('../../master/migrations/', import.meta.url)");
  },
);

/** package.json reduced to its version (all the CLI reads), so editing scripts or dependencies leaves the bundle alone. */
const versionOnly: Plugin = {
  name: 'supafleet-package-version',
  setup(b) {
    b.onLoad({ filter: /[\\/]package\.json$/ }, (args) => {
      if (resolve(args.path) !== join(root, 'package.json')) return undefined;
      const { version } = JSON.parse(readFileSync(args.path, 'utf8')) as { version: string };
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

/**
 * The `yaml` package's ES module build (the same code as its CommonJS build for Node): esbuild
 * hoists and tree-shakes it, where the CommonJS build runs every module of the package at load.
 */
const yamlEsm: Plugin = {
  name: 'supafleet-yaml-esm',
  setup(b) {
    b.onResolve({ filter: /^yaml$/ }, () => ({
      path: join(root, 'node_modules', 'yaml', 'browser', 'index.js'),
    }));
  },
};

/** Builds the CLI into `outDir` and returns the files written, relative to it, sorted. */
export async function buildCli(outDir: string): Promise<string[]> {
  rmSync(outDir, { recursive: true, force: true });
  await build({
    entryPoints: { supafleet: join(root, 'cli', 'entry.ts') },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    sourcemap: false,
    logLevel: 'warning',
    // pg's optional native binding is not a dependency; pg falls back to JavaScript.
    external: ['pg-native'],
    plugins: [inlineStaticFiles, versionOnly, precompiledSchemas, yamlEsm],
    // CommonJS dependencies inside ESM output need require().
    banner: {
      js: "import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);",
    },
  });
  chmodSync(join(outDir, 'supafleet.mjs'), 0o755);
  return readdirSync(outDir).sort();
}

/** Names of the stale, missing or extra files of the committed bundle (empty when it is up to date). */
export async function staleCliFiles(): Promise<string[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'supafleet-cli-dist-'));
  try {
    const out = join(tmp, 'dist');
    const fresh = await buildCli(out);
    const committed = existsSync(CLI_DIST) ? readdirSync(CLI_DIST).sort() : [];
    const stale = fresh.filter(
      (f) => !committed.includes(f) || !readFileSync(join(out, f)).equals(readFileSync(join(CLI_DIST, f))),
    );
    const extra = committed.filter((f) => !fresh.includes(f));
    return [...stale, ...extra].map((f) => relative(root, join(CLI_DIST, f)));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  if (!process.argv.includes('--check')) {
    const files = await buildCli(CLI_DIST);
    console.log(`built ${CLI_BIN} and ${files.length - 1} chunk(s) in cli/dist/`);
    return 0;
  }
  const stale = await staleCliFiles();
  for (const file of stale) console.error(`${file} is stale: run npm run build:cli and commit cli/dist/`);
  if (stale.length === 0) console.log('cli/dist up to date');
  return stale.length === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
