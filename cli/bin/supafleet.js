#!/usr/bin/env node
// Development entry of `supafleet`: runs the TypeScript sources through tsx (tests and benchmarks
// that need the sources as they are). The package's bin is the bundle, cli/dist/supafleet.mjs
// (npm run build:cli), which compiles nothing at start.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main.ts');
process.exitCode = await main(process.argv.slice(2));
