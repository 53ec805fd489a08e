#!/usr/bin/env node
import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import r from"node:module";import{homedir as s}from"node:os";import{join as o}from"node:path";var c=r;try{let e=process.env.XDG_CACHE_HOME||o(s(),".cache");c.enableCompileCache?.(process.env.NODE_COMPILE_CACHE||o(e,"supafleet","node-compile-cache"))}catch{}try{let{main:e}=await import("./chunk-VJYGONKY.mjs");process.exitCode=await e(process.argv.slice(2))}catch(e){process.stderr.write(`supafleet: ${e instanceof Error?e.message:String(e)}
`),process.exitCode=2}
