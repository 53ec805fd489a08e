import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{a,b,c,d}from"./chunk-PKT6NDVQ.mjs";import"./chunk-6DYLNRVL.mjs";import"./chunk-VVCO2P3F.mjs";export{b as Registry,a as SQLSTATE,c as createPool,d as isSqlState};
