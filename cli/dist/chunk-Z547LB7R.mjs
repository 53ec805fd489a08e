import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{r as a,s as b,t as c,u as d,v as e,w as f}from"./chunk-UIVHXPJY.mjs";import"./chunk-VVCO2P3F.mjs";export{a as API_TOKEN_RE,d as isApiTokenShaped,c as mintApiToken,e as parseScope,b as sha256,f as verifyApiToken};
