#!/usr/bin/env node
import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import r from"node:module";r.enableCompileCache?.();try{let{main:e}=await import("./chunk-YPFCN5I5.mjs");process.exitCode=await e(process.argv.slice(2))}catch(e){process.stderr.write(`supafleet: ${e instanceof Error?e.message:String(e)}
`),process.exitCode=2}
