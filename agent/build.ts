import { build } from 'esbuild';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Node flags the agent runs with (the Dockerfile's ENTRYPOINT and the
 * benchmark use these). A 1 MB young generation keeps short-lived garbage from
 * growing the heap between collections. The old-generation limit only decides
 * when V8 gives up (the idle agent measures the same with 24 MB or 256 MB); it
 * must leave room for the largest bundle, whose base64 answer and its parsed
 * copy are strings on the heap (a 30 MB bundle peaks near 200 MB; 64 MB
 * failed beyond about 15 MB). `--jitless` runs JavaScript in the interpreter
 * only: no optimising compilers, so neither their code in the node binary nor
 * their compiled code and type feedback become resident (about 4 MB less
 * file-backed and 3 MB less private memory), at no measurable cost to a
 * heartbeat; it also turns off WebAssembly, which the agent does not use, and
 * `--no-expose-wasm` says so, keeping V8 from warning.
 */
export const AGENT_NODE_FLAGS = [
  '--max-semi-space-size=1',
  '--max-old-space-size=256',
  '--jitless',
  '--no-expose-wasm',
] as const;

/** Environment the agent runs with: fewer malloc arenas and libuv threads (it does little I/O at a time). */
export const AGENT_ENV = { MALLOC_ARENA_MAX: '2', UV_THREADPOOL_SIZE: '2' } as const;

/**
 * Bundles the agent into one file for its container image:
 * `tsx agent/build.ts [outfile]` (default agent/dist/agent.cjs).
 * A `.cjs` file is a CommonJS script: Node then never starts its ES module
 * loader, which alone keeps about 2 MB resident. A `.mjs` file is an ES module
 * (the same code, for callers that name their bundle so).
 * pg's optional native binding is left out; everything else is inlined.
 */
export async function buildAgent(outfile: string, entry = join(here(), 'src/main.ts')): Promise<number> {
  const esm = outfile.endsWith('.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: esm ? 'esm' : 'cjs',
    minify: true,
    legalComments: 'none',
    external: ['pg-native'],
    ...(esm
      ? {
          banner: {
            js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
          },
        }
      : {}),
    logLevel: 'warning',
  });
  return (await stat(outfile)).size;
}

function here(): string {
  return dirname(fileURLToPath(import.meta.url));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? join(here(), 'dist/agent.cjs');
  const size = await buildAgent(out);
  console.log(`${out}: ${size} bytes`);
}
