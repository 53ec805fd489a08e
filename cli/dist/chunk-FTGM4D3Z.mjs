import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{inspect as i}from"node:util";var r="[redacted]",t=class{#r;constructor(n){this.#r=n}reveal(){return this.#r}toString(){return r}toJSON(){return r}[i.custom](){return r}[Symbol.toPrimitive](){return r}};export{t as a};
