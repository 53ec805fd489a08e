/** One segment of a path into a spec: a key, or an index into a list. */
export type PathSegment = string | number;

/**
 * One mistake in a spec, located in its file. Validation reports every mistake at
 * once, so a user can fix a file in one go.
 */
export interface SpecError {
  /** File relative to the fleet root (`fleet.yaml`, `projects/acme.yaml`); '' for a spec with no file. */
  readonly file: string;
  /** 1-based line of the offending value or key; 0 when there is no source text. */
  readonly line: number;
  /** 1-based column; 0 when there is no source text. */
  readonly column: number;
  /** JSON Pointer of the value (`/server/type`); '' for the whole document. */
  readonly path: string;
  /** What is wrong: names the bad value and what is expected. */
  readonly message: string;
}

/**
 * A finding before it is placed in a file. `at: 'key'` points at the key itself
 * (an unknown key, a bad secret name); the default points at the value.
 */
export interface Issue {
  readonly path: readonly PathSegment[];
  readonly message: string;
  readonly at?: 'key' | 'value';
}

/** The JSON Pointer (RFC 6901) of a path. */
export function toPointer(path: readonly PathSegment[]): string {
  return path.map((s) => '/' + String(s).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** The path of a JSON Pointer. */
export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The dotted form of a path, as used for sealed fields: `auth.smtp.pass`. */
export function toDotted(path: readonly PathSegment[]): string {
  return path.map(String).join('.');
}

/** Orders errors by file, line, column, path and message, so output is stable. */
export function compareErrors(a: SpecError, b: SpecError): number {
  return (
    cmp(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    cmp(a.path, b.path) ||
    cmp(a.message, b.message)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Quotes a value for a message, shortened so a huge value cannot flood the output. */
export function quote(value: unknown, max = 80): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
