import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{a,b}from"./chunk-CMOLRFLL.mjs";import"./chunk-ZUOV5Q4Y.mjs";import"./chunk-VVCO2P3F.mjs";export{b as askKong,a as createDoctorIo};
