/**
 * Where things live, in one place. Bundle paths are relative to a revision
 * directory (`<state_dir>/revisions/<n>/`); state paths are relative to
 * `state_dir` and survive revisions.
 */

/** The compose file the real runtime runs. */
export const COMPOSE_FILE = 'docker-compose.yml';

/** The env file holding the stack's secrets (its values are redacted from every log line and error). */
export const ENV_FILE = '.env';

/** The backup script, run by the `backup` command with the revision directory as working directory. */
export const BACKUP_SCRIPT = 'backup/backup.sh';

/** Optional probe manifest (see probes.ts); without it, probes are derived from the compose services. */
export const PROBES_FILE = 'probes.json';

/** Stand-in manifest for the process runtime (tests and the demo). */
export const STANDINS_FILE = 'standins.json';

/** Under state_dir: one directory per applied revision. */
export const REVISIONS_DIR = 'revisions';

/** Under state_dir: symlink to `revisions/<n>`, switched atomically. */
export const CURRENT_LINK = 'current';

/**
 * Under state_dir: the backup status file the backup script writes (JSON:
 * success, finished_at, duration_s, snapshot_id, size_bytes, error). The agent
 * passes its absolute path to the script as BACKUP_STATUS_FILE.
 */
export const BACKUP_STATUS_FILE = 'backup/status.json';

/** How many revision directories are kept (the running one, its predecessor for rollback, one more). */
export const KEEP_REVISIONS = 3;

/** Bundle limits: a bundle beyond these is refused before anything is written. */
export const MAX_BUNDLE_FILES = 2_000;
export const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;
