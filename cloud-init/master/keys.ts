/**
 * The two long-lived keys the operator installs on the master (never user_data), and how.
 * The master API opens sealed values at run time as the master image's `node` user, so the
 * seal key is that user's alone; the Storage Box key serves only root's backup scripts.
 */

/**
 * The master API's uid and gid: the image runs as `node` (master/Dockerfile `USER node`), which
 * docker-library/node's Debian images create as `groupadd --gid 1000 node && useradd --uid 1000
 * --gid node` (20/bookworm-slim/Dockerfile).
 */
export const MASTER_API_UID = 1000;

/** Where the keys live on the master (the API sees the directory read-only). */
export const MASTER_KEY_DIR = '/etc/supafleet';

export interface MasterKeyFile {
  /** File name under {@link MASTER_KEY_DIR}. */
  readonly file: 'fleet-seal.key' | 'backup.key';
  /** What it is, for the operator. */
  readonly what: string;
  /** `install` with the owner and mode it needs (the file is read from stdin). */
  readonly install: string;
}

export const MASTER_KEY_FILES: readonly MasterKeyFile[] = [
  {
    file: 'fleet-seal.key',
    what: 'the fleet seal private key',
    install: `install -o ${MASTER_API_UID} -g ${MASTER_API_UID} -m 0400`,
  },
  { file: 'backup.key', what: "the Storage Box main account's SSH key", install: 'install -m 0600' },
];

/** The operator's command for one key: over SSH as `host` (user@address), the key on stdin. */
export function keyInstallCommand(host: string, key: MasterKeyFile): string {
  return `ssh ${host} 'sudo ${key.install} /dev/stdin ${MASTER_KEY_DIR}/${key.file}' < ${key.file}`;
}
