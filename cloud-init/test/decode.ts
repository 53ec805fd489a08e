/**
 * Reads a rendered user_data back: the cloud-config document, the files inside the
 * packed archive, and the shell scripts among them (for shellcheck and searches).
 */
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { ARCHIVE_PATH } from '../shared/cloud-config.ts';
import type { FileSpec } from '../shared/pack.ts';

export interface DecodedUserData {
  readonly doc: Record<string, unknown>;
  readonly files: FileSpec[];
  /** Inline scripts from runcmd (`bash -c <script>`). */
  readonly inlineScripts: string[];
}

export function decodeUserData(text: string): DecodedUserData {
  if (!text.startsWith('#cloud-config\n')) throw new Error('user_data does not start with #cloud-config');
  const doc = parse(text) as Record<string, unknown>;
  const entries = (doc.write_files ?? []) as {
    path: string;
    content: string;
    encoding?: string;
    permissions: string;
  }[];
  const files: FileSpec[] = [];
  for (const e of entries) {
    const content =
      e.encoding === 'gzip+base64'
        ? gunzipSync(Buffer.from(e.content, 'base64')).toString('utf8')
        : e.content;
    if (e.path === ARCHIVE_PATH) files.push(...(JSON.parse(content) as FileSpec[]));
    else files.push({ path: e.path, content, permissions: e.permissions });
  }
  const runcmd = (doc.runcmd ?? []) as unknown[];
  const inlineScripts = runcmd
    .filter((c): c is string[] => Array.isArray(c) && c[0] === 'bash' && c[1] === '-c')
    .map((c) => c[2] as string);
  return { doc, files, inlineScripts };
}

/** Every text a user_data carries once decoded: the raw text, each file, each inline script. */
export function allUserDataText(text: string): string {
  const d = decodeUserData(text);
  return [text, ...d.files.map((f) => f.content), ...d.inlineScripts].join('\n');
}

export function isShellScript(content: string): boolean {
  return /^#!\/bin\/(ba)?sh\b/.test(content);
}
