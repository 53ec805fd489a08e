import { quote } from '../errors.ts';
import { isSealedString, parseSealed } from '../../seal/format.ts';

/** Bytes `crypto_box_seal` adds to every message (ephemeral public key and MAC). */
const SEAL_OVERHEAD = 48;

/**
 * Why `value` is not a sealed value that belongs exactly here (sealed for
 * `project` and `field`), or undefined. Needs no key: the binding is in clear in
 * the header (the key holder checks it again inside the ciphertext). Messages
 * never include the value, which may be a plaintext secret.
 */
export function sealedProblem(value: string, project: string, field: string): string | undefined {
  const fix = `seal it with: supafleet seal --project ${project} --field ${field}`;
  if (!isSealedString(value)) {
    return `${field} holds a plain value, and secrets must not be committed in clear; expected a sealed value: ${fix}`;
  }
  const parsed = parseSealed(value);
  if (!parsed) {
    return `${field} holds a malformed sealed value; expected sealed:v1:<project>:<field>:<base64> as printed by supafleet seal`;
  }
  if (parsed.project !== project || parsed.field !== field) {
    return `the value was sealed for project ${JSON.stringify(parsed.project)} field ${parsed.field}, but sits in project ${JSON.stringify(project)} field ${field}; a sealed value only opens where it was sealed: ${fix}`;
  }
  const ciphertext = parsed.ciphertext;
  // Decoded size of padded base64, without decoding it.
  const padding = ciphertext.endsWith('==') ? 2 : ciphertext.endsWith('=') ? 1 : 0;
  const bytes = ciphertext.length % 4 === 0 ? (ciphertext.length / 4) * 3 - padding : 0;
  if (bytes <= SEAL_OVERHEAD) {
    return `${field} holds a truncated or damaged sealed value (${bytes} bytes of ciphertext); ${fix}`;
  }
  return undefined;
}

/**
 * True for the places in a project spec that hold secrets (and so must hold
 * sealed values): auth.smtp.pass, auth.external.<provider>.secret and
 * functions.secrets.<NAME>. Messages about these places never quote the value.
 */
export function isSecretPath(path: readonly (string | number)[]): boolean {
  const p = path.map(String);
  return (
    (p.length === 3 && p[0] === 'auth' && p[1] === 'smtp' && p[2] === 'pass') ||
    (p.length === 4 && p[0] === 'auth' && p[1] === 'external' && p[3] === 'secret') ||
    (p.length === 3 && p[0] === 'functions' && p[1] === 'secrets')
  );
}

/**
 * Why `field` is not a place that holds a sealed value, or undefined. Checked
 * before sealing, so a value is never sealed for a place validation would refuse.
 */
export function sealableFieldProblem(field: string, providers: readonly string[]): string | undefined {
  const expected = `expected auth.smtp.pass, auth.external.<provider>.secret or functions.secrets.<NAME>`;
  if (field === 'auth.smtp.pass') return undefined;
  const external = /^auth\.external\.([^.]+)\.secret$/.exec(field);
  if (external) {
    return providers.includes(external[1]!)
      ? undefined
      : `unknown auth provider ${quote(external[1]!)} in ${quote(field)}; expected one of ${providers.join(', ')}`;
  }
  const secret = /^functions\.secrets\.([^.]+)$/.exec(field);
  if (secret) {
    return secretNameProblem(secret[1]!);
  }
  return `${quote(field)} is not a field that holds a sealed value; ${expected}`;
}

/** Function secret names: environment variable names. */
export const SECRET_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** The edge runtime sets these itself; a secret may not shadow them. */
export const RESERVED_SECRET_PREFIX = 'SUPABASE_';

/** Why `name` cannot be a function secret name, or undefined. */
export function secretNameProblem(name: string): string | undefined {
  if (!SECRET_NAME.test(name)) {
    return `secret name ${quote(name)} is not an environment variable name; expected ${SECRET_NAME.source} (e.g. STRIPE_KEY)`;
  }
  if (name.startsWith(RESERVED_SECRET_PREFIX)) {
    return `secret name ${quote(name)} starts with ${RESERVED_SECRET_PREFIX}, which the edge runtime reserves; choose another name`;
  }
  return undefined;
}
