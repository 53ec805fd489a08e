import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{a,b,c,d,e}from"./chunk-GLPFNH2V.mjs";import"./chunk-VVCO2P3F.mjs";export{c as MASTER_TARGET,a as USER_DATA_LIMIT,b as WORKER_TARGET,e as assertUserDataBudget,d as userDataSize};
