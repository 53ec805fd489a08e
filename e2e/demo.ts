/** `npm run demo` (see e2e/demo/run.ts and docs/demo.md); `--exit` stops right after the checks. */
import { demoOptions, runDemo } from './demo/run.ts';

process.exitCode = await runDemo(demoOptions(process.argv.slice(2), process.env));
