import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{a,b,c,d}from"./chunk-ZATO2YTC.mjs";import"./chunk-VVCO2P3F.mjs";export{a as MASTER_API_UID,b as MASTER_KEY_DIR,c as MASTER_KEY_FILES,d as keyInstallCommand};
