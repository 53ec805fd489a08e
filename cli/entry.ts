#!/usr/bin/env node
// Entry of the bundled `supafleet` command (cli/dist/supafleet.mjs, built by scripts/build-cli.ts).
// It stays tiny: the command line is imported after Node's compile cache is turned on (Node 22+),
// and each command imports what it needs when it runs.
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

// The compile cache lives in the user's own cache folder, not in the shared temporary folder
// (Node's default), where another user could plant compiled code for these files.
// NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE still decide when they are set.
const cache = module as { enableCompileCache?: (dir?: string) => unknown };
try {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  cache.enableCompileCache?.(process.env.NODE_COMPILE_CACHE || join(base, 'supafleet', 'node-compile-cache'));
} catch {
  // No cache: slower starts, nothing else.
}
try {
  const { main } = await import('./main.ts');
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Only a broken installation gets here (main() answers every error with an exit code).
  process.stderr.write(`supafleet: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
