/**
 * Assembles a `#cloud-config` document from its parts, packs write_files, and
 * measures every part for the budget check.
 */
import { basePackages } from '../versions.ts';
import { posixUser, sshPublicKey } from './checks.ts';
import { assertUserDataBudget, type SizedPart } from './budget.ts';
import { deterministicGzip, entrySize, packFile, type FileSpec } from './pack.ts';
import { staticFile } from './static-file.ts';
import { stripShellComments, stripSqlComments } from './strip-comments.ts';
import { toYaml } from './yaml.ts';

/** A rendered user_data document with the size of each part. */
export interface UserData {
  readonly text: string;
  readonly bytes: number;
  readonly parts: readonly SizedPart[];
}

/** Top-level keys supafleet emits; the validators refuse any other key. */
export const CLOUD_CONFIG_KEYS = [
  'disable_root',
  'package_update',
  'package_upgrade',
  'packages',
  'runcmd',
  'ssh_pwauth',
  'users',
  'write_files',
] as const;

export interface CloudConfigParts {
  readonly sshUser: string;
  readonly authorizedKeys: readonly string[];
  readonly packages: readonly string[];
  readonly files: readonly FileSpec[];
  readonly runcmd: readonly (readonly string[])[];
}

/** Where the packed files land; the unpack step (first in runcmd) writes each file out. */
export const ARCHIVE_PATH = '/var/lib/supafleet/files.json';
const UNPACK = staticFile(import.meta.url, './static/unpack.sh');
const SHEBANG = /^#!\/bin\/(ba)?sh\n/;

/**
 * All files as one JSON array, written by one gzip+base64 write_files entry: the
 * files compress together (scripts and configs share most of their words), which
 * takes far fewer bytes than packing each file on its own.
 */
export function archiveFiles(files: readonly FileSpec[]): string {
  // Data files first, then the shell scripts, each group by path: scripts next to
  // each other share more words within gzip's window.
  const script = (f: FileSpec) => (SHEBANG.test(f.content) ? 1 : 0);
  const sorted = [...files].sort((a, b) => script(a) - script(b) || a.path.localeCompare(b.path));
  return JSON.stringify(
    sorted.map((f) => ({ path: f.path, permissions: f.permissions, content: f.content })),
  );
}

/** Shell scripts and SQL files travel without their comment lines (see strip-comments.ts). */
function forUserData(file: FileSpec): FileSpec {
  if (SHEBANG.test(file.content)) return { ...file, content: stripShellComments(file.content) };
  if (file.path.endsWith('.sql')) return { ...file, content: stripSqlComments(file.content) };
  return file;
}

export function renderCloudConfig(p: CloudConfigParts): UserData {
  const files = p.files.map(forUserData);
  const writeFiles = [packFile({ path: ARCHIVE_PATH, content: archiveFiles(files), permissions: '0600' })];
  const doc = {
    disable_root: true,
    package_update: true,
    package_upgrade: true,
    packages: [...new Set([...basePackages, ...p.packages])].sort(),
    runcmd: [['bash', '-c', UNPACK], ...p.runcmd],
    ssh_pwauth: false,
    users: [
      {
        name: posixUser('ssh.user', p.sshUser),
        groups: ['sudo'],
        lock_passwd: true,
        shell: '/bin/bash',
        // cloud-init's schema refuses an empty list: leave the key out when there are no keys.
        ...(p.authorizedKeys.length > 0
          ? {
              ssh_authorized_keys: p.authorizedKeys.map((k, i) =>
                sshPublicKey(`ssh.authorized_keys[${i}]`, k),
              ),
            }
          : {}),
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
      },
    ],
    write_files: writeFiles,
  };
  const text = '#cloud-config\n' + toYaml(doc);
  const archiveBytes = writeFiles.reduce((a, f) => a + entrySize(f), 0);
  // Each file's share, measured as if packed alone (gzip + base64): roughly what trimming it would save.
  const parts: SizedPart[] = files.map((f) => ({
    name: f.path,
    bytes: Math.ceil(deterministicGzip(f.content).length / 3) * 4,
  }));
  parts.push({
    name: '(cloud-config keys, users, packages, runcmd)',
    bytes: Buffer.byteLength(text, 'utf8') - archiveBytes,
  });
  const bytes = assertUserDataBudget(text, parts);
  return { text, bytes, parts };
}
