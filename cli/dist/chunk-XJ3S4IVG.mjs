import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{a}from"./chunk-LZDFKCH7.mjs";import"./chunk-VVCO2P3F.mjs";export{a as readFleet};
