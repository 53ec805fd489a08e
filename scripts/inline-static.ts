import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const STATIC_CALL = /staticFile\(import\.meta\.url, '([^']+)'\)/g;

/**
 * esbuild plugin: replaces `staticFile(import.meta.url, './x')` in matching
 * sources by the file's text as a string literal, so a bundle needs none of the
 * renderers' static files beside it. `transform` may rewrite a file further.
 */
export function inlineStatic(filter: RegExp, transform?: (path: string, text: string) => string): Plugin {
  return {
    name: 'supafleet-inline-static',
    setup(b) {
      b.onLoad({ filter }, async (args) => {
        let text = await readFile(args.path, 'utf8');
        for (const m of [...text.matchAll(STATIC_CALL)]) {
          const content = await readFile(fileURLToPath(new URL(m[1]!, `file://${args.path}`)), 'utf8');
          // A replacer function: the content may hold `$'` and other replacement patterns.
          text = text.replace(m[0], () => JSON.stringify(content));
        }
        return { contents: transform ? transform(args.path, text) : text, loader: 'ts' };
      });
    },
  };
}
