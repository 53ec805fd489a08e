import { readFileSync } from 'node:fs';

/**
 * Reads a static file that ships with the renderers (a script, SQL, the functions
 * router). These never contain spec values; values reach them through data files.
 */
export function staticFile(base: string, relative: string): string {
  return readFileSync(new URL(relative, base), 'utf8');
}
