import {
  LineCounter,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  type Document,
  type Node,
} from 'yaml';
import { yamlLocator, type Locator, type Position } from './locate.ts';

/** Largest spec file accepted. */
export const MAX_FILE_BYTES = 64 * 1024;
/** Most aliases (`*name`) a spec may use: enough for sharing a list, far too few for a "billion laughs". */
export const MAX_ALIASES = 10;
/** Deepest nesting of mappings and lists accepted. */
export const MAX_DEPTH = 32;
/** Most keys in one mapping, or items in one list: far above any real spec, and it bounds the work per file. */
export const MAX_ENTRIES = 1000;

/** A problem with a file as a whole, or with its YAML syntax. */
export interface SourceProblem extends Position {
  readonly message: string;
}

/** A parsed spec document: its plain value, and a way back to the source positions. */
export type ParsedSource =
  | { readonly ok: true; readonly value: unknown; readonly locate: Locator }
  | { readonly ok: false; readonly problems: readonly SourceProblem[] };

const fatalDecoder = new TextDecoder('utf-8', { fatal: true });
/** Where a problem of the whole file is reported: line 1, column 1 (editors and GitHub count from 1). */
const AT_START: Position = { line: 1, column: 1 };

/**
 * Reads one spec file's bytes as a single YAML 1.2 mapping, refusing anything a
 * hostile or careless file could use to crash, hang or confuse the reader: more
 * than 64 KiB, bytes that are not UTF-8, an empty file, several documents,
 * directives, explicit tags, duplicate keys, non-string keys, many aliases, deep
 * nesting, or a document that is not a mapping. Never throws.
 */
export function parseSpecSource(bytes: Uint8Array): ParsedSource {
  const fail = (message: string, at: Position = AT_START): ParsedSource => ({
    ok: false,
    problems: [{ ...at, message }],
  });
  if (bytes.length === 0)
    return fail('the file is empty; expected a YAML mapping such as "name: acme"', AT_START);
  if (bytes.length > MAX_FILE_BYTES) {
    return fail(
      `the file is ${bytes.length} bytes; expected at most ${MAX_FILE_BYTES} bytes (64 KiB)`,
      AT_START,
    );
  }
  // The native decoder checks quickly; the byte-wise scan runs only to say where the bad byte is.
  let text: string;
  try {
    text = fatalDecoder.decode(bytes);
  } catch {
    text = '';
  }
  const bad = text === '' ? firstInvalidUtf8(bytes) : -1;
  if (bad !== -1) {
    return fail(
      `the file is not UTF-8: byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${bad}; save it as UTF-8`,
      bytePosition(bytes, bad),
    );
  }
  const deep = firstDeepBracket(text);
  if (deep !== -1) {
    return fail(
      `brackets nested deeper than ${MAX_DEPTH} levels; expected a flatter document`,
      offsetPosition(text, deep),
    );
  }
  try {
    return parseText(text);
  } catch (error) {
    // The checks above keep the parser within bounds; this is the last line of defence.
    return fail(`the file cannot be read as YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseText(text: string): ParsedSource {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter,
    version: '1.2',
    schema: 'core',
    merge: false,
    strict: true,
    // Checked below in one linear pass (the parser's own check is quadratic).
    uniqueKeys: false,
    prettyErrors: false,
  });
  const at = (offset: number | undefined): Position => {
    if (offset === undefined) return AT_START;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (!Array.isArray(docs) || docs.length === 0) {
    return {
      ok: false,
      problems: [
        { ...AT_START, message: 'the file holds no YAML document; expected a mapping such as "name: acme"' },
      ],
    };
  }
  if (docs.length > 1) {
    return {
      ok: false,
      problems: [
        {
          ...at(docs[1]!.range[0]),
          message: `the file holds ${docs.length} YAML documents (separated by "---"); expected exactly one`,
        },
      ],
    };
  }
  const doc = docs[0]!;
  const problems: SourceProblem[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    problems.push({ ...at(e.pos[0]), message: yamlMessage(e.code, e.message) });
  }
  if (doc.directives.yaml.explicit && doc.directives.yaml.version !== '1.2') {
    problems.push({
      ...AT_START,
      message: `%YAML ${doc.directives.yaml.version} directive; only YAML 1.2 is accepted: remove the directive`,
    });
  }
  if (Object.keys(doc.directives.tags).some((handle) => handle !== '!!')) {
    problems.push({
      ...AT_START,
      message: '%TAG directive: custom tags are not accepted; remove the directive',
    });
  }
  if (problems.length > 0) return { ok: false, problems: problems.slice(0, 20) };

  problems.push(...structureProblems(doc, at));
  if (problems.length > 0) return { ok: false, problems: problems.slice(0, 20) };

  if (!isMap(doc.contents)) {
    const what = doc.contents === null ? 'empty' : isSeq(doc.contents) ? 'a list' : 'a single value';
    return {
      ok: false,
      problems: [
        {
          ...at(doc.contents?.range?.[0]),
          message: `the document is ${what}; expected a mapping such as "name: acme"`,
        },
      ],
    };
  }
  const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIASES * 10 });
  return { ok: true, value, locate: yamlLocator(doc, lineCounter) };
}

/** One iterative pass over the node tree: aliases, tags, keys and depth. */
function structureProblems(
  doc: Document.Parsed,
  at: (offset: number | undefined) => Position,
): SourceProblem[] {
  const problems: SourceProblem[] = [];
  let aliases = 0;
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  // Every node is visited once; the file size bounds the count.
  while (stack.length > 0 && problems.length < 20) {
    const { node, depth } = stack.pop()!;
    if (node === null || node === undefined) continue;
    if (isAlias(node)) {
      aliases += 1;
      if (aliases === MAX_ALIASES + 1) {
        problems.push({
          ...at(node.range?.[0]),
          message: `more than ${MAX_ALIASES} aliases (*${node.source}); expected at most ${MAX_ALIASES}: write the values out`,
        });
      }
      continue;
    }
    const n = node as Node;
    if (n.tag !== undefined) {
      problems.push({
        ...at(n.range?.[0]),
        message: `explicit tag ${quoteTag(n.tag)}; tags are not accepted: write a plain value (quote it to force a string)`,
      });
    }
    if (depth > MAX_DEPTH) {
      problems.push({
        ...at(n.range?.[0]),
        message: `nesting deeper than ${MAX_DEPTH} levels; expected a flatter document`,
      });
      continue;
    }
    if ((isMap(n) || isSeq(n)) && n.items.length > MAX_ENTRIES) {
      const what = isMap(n) ? 'a mapping with' : 'a list with';
      const unit = isMap(n) ? 'keys' : 'items';
      problems.push({
        ...at(n.range?.[0]),
        message: `${what} ${n.items.length} ${unit}; expected at most ${MAX_ENTRIES}`,
      });
      continue;
    }
    // Children go on the stack in reverse, so nodes are visited in document order.
    const children: unknown[] = [];
    if (isMap(n)) {
      const seen = new Map<string, number | undefined>();
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        if (!isScalar(key) || key.value === null || typeof key.value === 'object') {
          problems.push({
            ...at((key as Node | null)?.range?.[0] ?? n.range?.[0]),
            message: 'a key that is not a plain string; expected keys such as "name"',
          });
        } else {
          const name = String(key.value);
          if (seen.has(name)) {
            const first = seen.get(name);
            const where = first === undefined ? '' : ` (first at line ${at(first).line})`;
            problems.push({
              ...at(key.range?.[0]),
              message: `duplicate key "${name}"${where}; each key may appear once`,
            });
          } else {
            seen.set(name, key.range?.[0]);
          }
          if (key.tag !== undefined) children.push(key);
        }
        children.push(pair.value);
      }
    } else if (isSeq(n)) {
      children.push(...n.items);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], depth: depth + 1 });
  }
  return problems;
}

function quoteTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

function yamlMessage(code: string, message: string): string {
  const text = message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
  if (/call stack/i.test(text)) return `the document is too deeply nested to read (${text})`;
  switch (code) {
    case 'TAG_RESOLVE_FAILED':
      return `${text}; tags are not accepted: write a plain value`;
    case 'DUPLICATE_KEY':
      return `${text}; each key may appear once`;
    case 'RESOURCE_EXHAUSTION':
      return `the document is too deeply nested or too large to read (${text})`;
    default:
      return `invalid YAML: ${text}`;
  }
}

/**
 * The offset of the first `[` or `{` nested deeper than MAX_DEPTH, or -1. It
 * counts brackets inside quoted strings too, which only matters for strings with
 * dozens of unbalanced brackets; in exchange the parser never sees deep input.
 */
function firstDeepBracket(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > MAX_DEPTH) return i;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth -= 1;
    }
  }
  return -1;
}

function offsetPosition(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** The offset of the first byte that is not part of well-formed UTF-8, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i += 1;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function bytePosition(bytes: Uint8Array, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
