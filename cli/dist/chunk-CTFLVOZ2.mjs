import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{b as a,c as b}from"./chunk-22REXTAO.mjs";import"./chunk-AALV4OJY.mjs";import"./chunk-XTU5Q5DF.mjs";import"./chunk-FTGM4D3Z.mjs";import"./chunk-VVCO2P3F.mjs";export{b as HetznerClient,a as USER_DATA_LIMIT};
