/**
 * Hetzner label selectors (`?label_selector=`): `k=v`, `k==v`, `k!=v`, `k`, `!k`,
 * `k in (a,b)`, `k notin (a,b)`; a comma joins requirements with AND. The client
 * builds selectors with {@link formatSelector}; the fake evaluates them with
 * {@link parseSelector} and {@link matchesSelector}.
 */

/** One requirement of a selector. */
export type Requirement =
  | { readonly op: 'eq' | 'neq'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'not_exists'; readonly key: string };

const KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const VALUE = /^[A-Za-z0-9._-]*$/;

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key)) throw new Error(`invalid label selector "${selector}": bad key "${key}"`);
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!VALUE.test(value)) throw new Error(`invalid label selector "${selector}": bad value "${value}"`);
  return value;
}

/** Parses a selector; throws an Error naming the selector and the bad part. */
export function parseSelector(selector: string): Requirement[] {
  if (selector.length > 4096) throw new Error('invalid label selector: longer than 4096 characters');
  if (selector.trim() === '') return [];
  return splitTopLevel(selector).map((raw) => {
    const part = raw.trim();
    const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
    if (set) {
      const values = set[3]!
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      if (values.length === 0)
        throw new Error(`invalid label selector "${selector}": empty set in "${part}"`);
      return {
        op: set[2] as 'in' | 'notin',
        key: checkKey(set[1]!, selector),
        values: values.map((v) => checkValue(v, selector)),
      };
    }
    const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (cmp) {
      return {
        op: cmp[2] === '!=' ? 'neq' : 'eq',
        key: checkKey(cmp[1]!, selector),
        value: checkValue(cmp[3]!, selector),
      };
    }
    if (part.startsWith('!')) return { op: 'not_exists', key: checkKey(part.slice(1).trim(), selector) };
    return { op: 'exists', key: checkKey(part, selector) };
  });
}

/** True when the labels satisfy every requirement. */
export function matchesSelector(
  labels: Readonly<Record<string, string>>,
  requirements: readonly Requirement[],
): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const value = has ? labels[r.key] : undefined;
    switch (r.op) {
      case 'eq':
        return has && value === r.value;
      case 'neq':
        return !has || value !== r.value;
      case 'in':
        return has && r.values.includes(value!);
      case 'notin':
        return !has || !r.values.includes(value!);
      case 'exists':
        return has;
      case 'not_exists':
        return !has;
    }
  });
}

/** Formats equality requirements from a label map, keys sorted: `a=1,b=2`. */
export function formatSelector(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}
