import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{a,b,c,d}from"./chunk-W4UUVFSS.mjs";import"./chunk-VVCO2P3F.mjs";export{a as NO_PAINT,b as age,d as allHealthy,c as formatStatus};
