/**
 * The text form of a sealed value: `sealed:v1:<project>:<field>:<base64>`.
 * Project and field stand in clear so validation can catch a value pasted into
 * the wrong place without the private key; they are repeated inside the
 * ciphertext so the key holder rejects a forged header.
 */
export const SEALED_PREFIX = 'sealed:v1:';

/** Where a sealed value belongs: a project and a dotted field path (`auth.smtp.pass`). */
export interface SealBinding {
  readonly project: string;
  readonly field: string;
}

/** The parts of a sealed string. */
export interface ParsedSealed extends SealBinding {
  readonly ciphertext: string;
}

const SEALED_RE = /^sealed:v1:([a-z][a-z0-9-]{0,62}):([A-Za-z0-9_.]{1,200}):([A-Za-z0-9+/]+={0,2})$/;

/** True when the string has the sealed prefix (it may still be malformed). */
export function isSealedString(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

/** Splits a sealed string into its parts; undefined when it is not well formed. */
export function parseSealed(value: string): ParsedSealed | undefined {
  const m = SEALED_RE.exec(value);
  if (!m) return undefined;
  return { project: m[1]!, field: m[2]!, ciphertext: m[3]! };
}

/** Builds the text form from its parts. */
export function formatSealed(binding: SealBinding, ciphertext: string): string {
  return `${SEALED_PREFIX}${binding.project}:${binding.field}:${ciphertext}`;
}
