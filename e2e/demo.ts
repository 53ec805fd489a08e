/** `npm run demo` (see e2e/demo/run.ts and docs/demo.md); `--exit` stops right after the checks. */
import { demoOptions, runDemo } from './demo/run.ts';

// A closed terminal must not cut the cleanup short: output errors (EIO, EPIPE) are dropped.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

process.exitCode = await runDemo(demoOptions(process.argv.slice(2), process.env));
