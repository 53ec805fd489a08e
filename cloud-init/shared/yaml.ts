/**
 * Serialises JSON-like data (objects, arrays, strings, finite numbers, booleans,
 * null) as block YAML with sorted mapping keys, so the same input always gives the
 * same bytes. Every YAML file supafleet writes goes through here: spec values are
 * scalars to the serializer, never text spliced into a document.
 *
 * A string is written plain only when it is plainly a string under both YAML 1.1
 * (cloud-init's PyYAML) and YAML 1.2 (Compose): it starts with a letter, `/` or `_`,
 * holds only letters, digits and `_ . / @ + -`, and is not a 1.1 boolean or null.
 * Every other string is a double-quoted scalar in JSON syntax, which YAML's
 * double-quoted style reads back unchanged. Written for speed (rendering 1,000
 * bundles), and checked in tests by parsing every output back with the `yaml`
 * library under both YAML versions.
 */

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+-]*$/;
const YAML11_RESERVED = /^(y|n|yes|no|true|false|on|off|null)$/i;

function scalar(value: unknown): string {
  if (typeof value === 'string') {
    return PLAIN.test(value) && !YAML11_RESERVED.test(value) ? value : JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`toYaml: ${value} cannot be written to YAML`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return 'null';
  throw new Error(`toYaml: a value of type ${typeof value} cannot be written to YAML`);
}

function isCollection(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function isEmpty(value: object): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

function emit(value: unknown, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmpty(item)) {
        // First line of the nested block joins the dash: "- key: v" / "- - v".
        const nested: string[] = [];
        emit(item, `${indent}  `, nested);
        out.push(`${indent}- ${(nested[0] as string).slice(indent.length + 2)}`, ...nested.slice(1));
      } else {
        out.push(`${indent}- ${isCollection(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`);
      }
    }
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue;
    const k = scalar(key);
    if (isCollection(v) && !isEmpty(v)) {
      out.push(`${indent}${k}:`);
      emit(v, Array.isArray(v) ? `${indent}  ` : `${indent}  `, out);
    } else {
      out.push(`${indent}${k}: ${isCollection(v) ? (Array.isArray(v) ? '[]' : '{}') : scalar(v)}`);
    }
  }
}

export function toYaml(value: unknown): string {
  if (!isCollection(value)) return `${scalar(value)}\n`;
  if (isEmpty(value)) return Array.isArray(value) ? '[]\n' : '{}\n';
  const out: string[] = [];
  emit(value, '', out);
  return out.join('\n') + '\n';
}
