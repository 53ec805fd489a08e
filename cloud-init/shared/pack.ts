import { gzipSync } from 'node:zlib';
import { toYaml } from './yaml.ts';

/** A file for cloud-init's write_files, before packing. */
export interface FileSpec {
  readonly path: string;
  readonly content: string;
  /** Octal mode as a string, e.g. '0600'. */
  readonly permissions: string;
  readonly owner?: string;
}

/** One write_files entry as cloud-init reads it. */
export interface WriteFile {
  readonly path: string;
  readonly content: string;
  readonly permissions: string;
  readonly owner?: string;
  readonly encoding?: 'gzip+base64';
  readonly defer?: boolean;
}

/**
 * gzip with a fixed header: mtime 0, no file name, OS byte "unknown", so the same
 * text always packs to the same bytes on every platform.
 */
export function deterministicGzip(text: string): Buffer {
  const out = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
  out.writeUInt32LE(0, 4);
  out[9] = 0xff;
  return out;
}

/**
 * Packs one file: gzip + base64 when that makes the serialized entry smaller,
 * plain text otherwise (small files grow when compressed and encoded).
 */
export function packFile(file: FileSpec): WriteFile {
  const plain: WriteFile = {
    path: file.path,
    content: file.content,
    permissions: file.permissions,
    // cloud-init's default owner is root:root; only other owners are written.
    ...(file.owner !== undefined && file.owner !== 'root:root' ? { owner: file.owner } : {}),
  };
  const packed: WriteFile = {
    ...plain,
    encoding: 'gzip+base64',
    content: deterministicGzip(file.content).toString('base64'),
  };
  return entrySize(packed) < entrySize(plain) ? packed : plain;
}

/** Bytes an entry takes in the final user_data (UTF-8 of its YAML list item). */
export function entrySize(entry: WriteFile): number {
  return Buffer.byteLength(toYaml([entry]), 'utf8');
}
