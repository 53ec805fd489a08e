import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{b as a,c as b,d as c,e as d,f as e,g as f}from"./chunk-YWLVYXA2.mjs";import"./chunk-XM33E3FJ.mjs";import"./chunk-VVCO2P3F.mjs";export{a as API_TOKEN_RE,d as isApiTokenShaped,c as mintApiToken,e as parseScope,b as sha256,f as verifyApiToken};
