export { Secret } from './secret.ts';
export { SEALED_PREFIX, formatSealed, isSealedString, parseSealed } from './format.ts';
export type { ParsedSealed, SealBinding } from './format.ts';
export { SealError, generateSealKeypair, openBytes, publicKeyOf, seal, sealBytes, unseal } from './seal.ts';
export type { SealKeypair } from './seal.ts';
