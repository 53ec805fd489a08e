import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{a,b,c,d}from"./chunk-BRMM32K6.mjs";import"./chunk-ZEFNMBPY.mjs";import"./chunk-VVCO2P3F.mjs";export{b as Registry,a as SQLSTATE,c as createPool,d as isSqlState};
