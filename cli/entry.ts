#!/usr/bin/env node
// Entry of the bundled `supafleet` command (cli/dist/supafleet.mjs, built by scripts/build-cli.ts).
// It stays tiny: the command line is imported after Node's compile cache is turned on (Node 22+),
// and each command imports what it needs when it runs.
import module from 'node:module';

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
try {
  const { main } = await import('./main.ts');
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Only a broken installation gets here (main() answers every error with an exit code).
  process.stderr.write(`supafleet: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
