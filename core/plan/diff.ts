/**
 * Field-level diff of two project specs by JSON pointer. Values are rendered for
 * display only: sealed values (and any value at a secret path, sealed or not) become
 * `(sealed)`, so a plan never carries secret text.
 */
import { isSealedString } from '../seal/format.ts';
import type { FieldChange } from './types.ts';

const MAX_DISPLAY = 200;

/** JSON pointers whose values are secrets whatever their form. */
const SECRET_PATHS: readonly RegExp[] = [
  /^\/auth\/smtp\/pass$/,
  /^\/auth\/external\/[^/]+\/secret$/,
  /^\/functions\/secrets\/[^/]+$/,
];

function isSecretPath(path: string): boolean {
  return SECRET_PATHS.some((re) => re.test(path));
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function containsSealed(value: unknown): boolean {
  if (typeof value === 'string') return isSealedString(value);
  if (Array.isArray(value)) return value.some(containsSealed);
  if (isPlainObject(value)) return Object.values(value).some(containsSealed);
  return false;
}

function mask(value: unknown): unknown {
  if (typeof value === 'string') return isSealedString(value) ? '(sealed)' : value;
  if (Array.isArray(value)) return value.map(mask);
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, mask(value[k])]),
    );
  }
  return value;
}

/** The display form of a value at a path: JSON, with secrets masked and long text cut. */
export function displayValue(path: string, value: unknown): string {
  if (isSecretPath(path)) return '(sealed)';
  if (typeof value === 'string' && isSealedString(value)) return '(sealed)';
  const text = JSON.stringify(mask(value)) ?? 'null';
  return text.length > MAX_DISPLAY ? `${text.slice(0, MAX_DISPLAY - 1)}…` : text;
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * The changed fields between two JSON values, sorted by path. Objects are compared key by
 * key; arrays and scalars as whole values. A changed secret reads `(sealed)` → `(sealed, changed)`.
 */
export function diffFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, path, out);
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

function walk(beforeIn: unknown, afterIn: unknown, path: string, out: FieldChange[]): void {
  let before = beforeIn;
  let after = afterIn;
  if (jsonEqual(before, after)) return;
  const objectBefore = isPlainObject(before) || (before === undefined && isPlainObject(after));
  const objectAfter = isPlainObject(after) || (after === undefined && isPlainObject(before));
  if (objectBefore && objectAfter) {
    before = before ?? {};
    after = after ?? {};
    if (!isPlainObject(before) || !isPlainObject(after)) return;
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) walk(before[key], after[key], `${path}/${escapePointer(key)}`, out);
    return;
  }
  const secret = isSecretPath(path) || containsSealed(before) || containsSealed(after);
  const show = (value: unknown): string => displayValue(path, value);
  let afterText = after === undefined ? undefined : show(after);
  const beforeText = before === undefined ? undefined : show(before);
  if (secret && afterText !== undefined && afterText === beforeText) {
    afterText = afterText === '(sealed)' ? '(sealed, changed)' : `${afterText} (sealed values changed)`;
  }
  out.push({
    path: path === '' ? '/' : path,
    ...(beforeText !== undefined ? { before: beforeText } : {}),
    ...(afterText !== undefined ? { after: afterText } : {}),
  });
}
