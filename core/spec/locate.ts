import {
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
  type Pair,
} from 'yaml';
import type { PathSegment } from './errors.ts';

/** A 1-based line and column; 0 and 0 when there is no source text. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Finds where a path sits in the source: at its key, or at its value. */
export type Locator = (path: readonly PathSegment[], at: 'key' | 'value') => Position;

/**
 * The locator for specs that have no source text (posted as JSON): the start of the document,
 * line 1, column 1, as editors and GitHub annotations count.
 */
export const noSource: Locator = () => ({ line: 1, column: 1 });

interface Found {
  readonly node: Node | null;
  readonly key: Node | null;
}

/**
 * A locator over a parsed YAML document. A path that goes further than the
 * document (a missing key) is placed at the deepest part that exists, so a
 * "missing key" error points at the mapping that lacks it.
 */
export function yamlLocator(doc: Document.Parsed, lineCounter: LineCounter): Locator {
  const position = (node: Node | null): Position | undefined => {
    const offset = node?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const index = new WeakMap<object, Map<string, Pair>>();
  return (path, at) => {
    const found = walk(doc, path, index);
    const start = { line: 1, column: 1 };
    if (at === 'key' && found.key) return position(found.key) ?? start;
    // A block collection starts on the line after its key; the key is where a reader looks.
    if (found.node && isCollection(found.node) && found.key && !found.node.flow) {
      return position(found.key) ?? start;
    }
    return position(found.node) ?? position(found.key) ?? start;
  };
}

function walk(
  doc: Document.Parsed,
  path: readonly PathSegment[],
  index: WeakMap<object, Map<string, Pair>>,
): Found {
  let node = resolve(doc, doc.contents);
  let key: Node | null = null;
  for (const segment of path) {
    if (isMap(node)) {
      let keys = index.get(node);
      if (!keys) {
        // Indexed once per mapping, so locating many errors in a big mapping stays linear.
        keys = new Map();
        for (const p of node.items)
          if (isScalar(p.key) && !keys.has(String(p.key.value))) keys.set(String(p.key.value), p);
        index.set(node, keys);
      }
      const pair = keys.get(String(segment));
      if (!pair) break;
      key = pair.key as Node;
      node = resolve(doc, pair.value as Node | null);
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) break;
      key = null;
      node = resolve(doc, item as Node | null);
    } else {
      break;
    }
  }
  return { node, key };
}

function resolve(doc: Document.Parsed, node: Node | null | undefined): Node | null {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? node;
  return node ?? null;
}
