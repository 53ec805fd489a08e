/**
 * Where things live, in one place. Bundle paths are relative to a revision
 * directory (`<state_dir>/revisions/<n>/`); state paths are relative to
 * `state_dir` and survive revisions.
 */

/** The compose file the real runtime runs. */
export const COMPOSE_FILE = 'docker-compose.yml';

/** The env file holding the stack's secrets (its values are redacted from every log line and error). */
export const ENV_FILE = '.env';

/**
 * Bundle files that hold secrets: written 0600, and every value in them is
 * scrubbed from log lines and errors. Other files are 0644 (the stack's
 * containers read them through bind mounts), scripts 0755.
 */
export const SECRET_FILES: readonly string[] = ['.env', 'backup/restic-password', 'function-secrets.json'];

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
 * also passes its absolute path to the script as BACKUP_STATUS_FILE.
 */
export const BACKUP_STATUS_FILE = 'backup-status.json';

/** In the bundle: the backup schedule as a cron.d file, installed as HOST_CRON_FILE after each apply. */
export const BACKUP_CRONTAB = 'backup/crontab';

/** The host's /etc/cron.d/supafleet-backup as mounted into the agent's container (skipped when the directory is absent). */
export const HOST_CRON_FILE = '/host/etc/cron.d/supafleet-backup';

/** The Compose project name on a worker (one stack per worker; the bootstrap starts the agent under the same name). */
export const COMPOSE_PROJECT = 'supafleet';

/**
 * Under state_dir: `wg show <if> latest-handshakes` output written by the
 * host, read when the agent itself may not query WireGuard (it runs without
 * CAP_NET_ADMIN as a non-root user).
 */
export const WG_HANDSHAKES_FILE = 'wg-latest-handshakes';

/** How many revision directories are kept (the running one, its predecessor for rollback, one more). */
export const KEEP_REVISIONS = 3;

/** Bundle limits: a bundle beyond these is refused before anything is written. */
export const MAX_BUNDLE_FILES = 2_000;
export const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;
