import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
