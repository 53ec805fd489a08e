import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{a,b}from"./chunk-7WKANJHH.mjs";import"./chunk-CLHG665S.mjs";import"./chunk-VVCO2P3F.mjs";export{b as askKong,a as createDoctorIo};
