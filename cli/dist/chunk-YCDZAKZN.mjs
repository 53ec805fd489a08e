import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{a,b,c,d}from"./chunk-FKRX653J.mjs";import"./chunk-W7AVDDMI.mjs";import"./chunk-VVCO2P3F.mjs";export{b as Registry,a as SQLSTATE,c as createPool,d as isSqlState};
