import type { PathSegment } from './errors.ts';

/** The value at `path` inside an unchecked document, or undefined. */
export function at(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    if (!Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment as string];
  }
  return node;
}

/** The string at `path`, or undefined when absent or not a string (the schema reports that). */
export function stringAt(root: unknown, path: readonly PathSegment[]): string | undefined {
  const value = at(root, path);
  return typeof value === 'string' ? value : undefined;
}

/** The entries of the mapping at `path` (empty when absent or not a mapping). */
export function entriesAt(root: unknown, path: readonly PathSegment[]): [string, unknown][] {
  const value = at(root, path);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value);
}

/** The items of the list at `path` (empty when absent or not a list). */
export function itemsAt(root: unknown, path: readonly PathSegment[]): unknown[] {
  const value = at(root, path);
  return Array.isArray(value) ? value : [];
}
