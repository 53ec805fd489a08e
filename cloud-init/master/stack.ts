/**
 * The master's stack: every file under /opt/supafleet-master, plus the master's
 * own configuration files, as path → content. `renderMasterStack` includes the
 * `.env` rendered from the master's secrets; the user_data carries everything
 * except `.env`, which the master generates at first boot.
 */
import type { ResolvedFleet } from '../../core/spec/defaults.ts';
import { hostname, posixUser } from '../shared/checks.ts';
import { HOST_JSON } from '../shared/host.ts';
import { staticFile } from '../shared/static-file.ts';
import { toYaml } from '../shared/yaml.ts';
import { renderAutheliaConfig } from './authelia.ts';
import { renderCaddyfile } from './caddyfile.ts';
import { renderMasterCompose } from './compose.ts';
import { MASTER_DIR, masterLayout } from './layout.ts';
import { renderMasterEnv, type MasterSecrets } from './secrets.ts';
import { renderMasterVector } from './vector.ts';
import { renderMasterWgConf } from './wireguard.ts';

const STATIC = {
  backup: staticFile(import.meta.url, '../shared/static/backup.sh'),
  init: staticFile(import.meta.url, './static/init.sql'),
};

/** The master backs up one hour after the workers' default 03:00. */
export const MASTER_BACKUP_SCHEDULE = '0 4 * * *';

/** Data for the master's first-boot script (/etc/supafleet/master.json, read with jq). */
export function renderMasterBootstrapData(fleet: ResolvedFleet, restore = false): string {
  const { domain } = masterLayout(fleet);
  return (
    JSON.stringify({
      authelia: fleet.authelia.enabled,
      domain,
      fleet: fleet.name,
      ...(restore ? { restore: true } : {}),
    }) + '\n'
  );
}

/** Files user_data writes beside the stack (user-data.ts): the secrets' names and sizes, the images master-up runs. */
export const MASTER_SECRETS_SPEC_FILE = '/etc/supafleet/secrets.json';
export const MASTER_IMAGES_FILE = '/etc/supafleet/images.json';
const BOOT_FILES = [HOST_JSON, MASTER_SECRETS_SPEC_FILE, MASTER_IMAGES_FILE];

/** What the master's backup keeps: absolute paths, or paths relative to MASTER_DIR. */
const BACKUP_PATHS = [
  '/etc/wireguard',
  '/etc/supafleet',
  '/root/supafleet-admin-password',
  'caddy',
  'authelia',
  'docker-compose.yml',
  '.env',
] as const;

/**
 * The files user_data renders that lie under a backed-up path, written as backup.json's
 * paths are: a restore keeps these from the new render, not from the snapshot, so a
 * fleet changed since the backup reaches the restored master.
 */
function renderedBackupPaths(rendered: Iterable<string>): string[] {
  const out: string[] = [];
  for (const file of rendered) {
    const path = file.startsWith(`${MASTER_DIR}/`) ? file.slice(MASTER_DIR.length + 1) : file;
    if (BACKUP_PATHS.some((p) => path === p || path.startsWith(`${p}/`))) out.push(path);
  }
  return out.sort();
}

function backupJson(fleet: ResolvedFleet, rendered: readonly string[]): string {
  const host = hostname('storage_box.host', fleet.storage_box.host);
  const user = posixUser('storage_box.user', fleet.storage_box.user);
  return (
    JSON.stringify({
      dumps: [
        // Over loopback TCP, which the Postgres image trusts (its socket wants supabase_admin's password).
        // database and owner: what the restore recreates before loading the dump (as init.sql makes them).
        {
          name: 'registry',
          container: 'supafleet-master-db-1',
          command: ['pg_dump', '-h', '127.0.0.1', '-U', 'supabase_admin', '-d', 'supafleet'],
          database: 'supafleet',
          owner: 'supafleet',
        },
        {
          name: 'kong',
          container: 'supafleet-master-db-1',
          command: ['pg_dump', '-h', '127.0.0.1', '-U', 'supabase_admin', '-d', 'kong'],
          database: 'kong',
          owner: 'kong',
        },
      ],
      keep: { daily: 7, monthly: 6, weekly: 4 },
      paths: BACKUP_PATHS,
      rendered,
      repository: `sftp://${user}@${host}:23/supafleet/_master`,
      sftp_command: `ssh -p 23 -i /etc/supafleet/backup.key -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${MASTER_DIR}/.ssh_known_hosts ${user}@${host} -s sftp`,
      state_dir: MASTER_DIR,
      tag: 'master',
    }) + '\n'
  );
}

/** Where the master's backup wrapper is installed; the crontab calls it. */
export const MASTER_BACKUP_COMMAND = '/usr/local/sbin/supafleet-master-backup';

/**
 * The master's files without secrets, keyed by absolute path (what user_data writes).
 * `restore` marks a master rebuilt to be restored from its backup (master.json).
 */
export function masterFiles(fleet: ResolvedFleet, restore = false): Map<string, string> {
  const files: [string, string][] = [
    [`${MASTER_DIR}/backup/backup.sh`, STATIC.backup],
    [
      `${MASTER_DIR}/backup/crontab`,
      `SHELL=/bin/bash\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n${MASTER_BACKUP_SCHEDULE} root ${MASTER_BACKUP_COMMAND} >>/var/log/supafleet-backup.log 2>&1\n`,
    ],
    [`${MASTER_DIR}/caddy/Caddyfile`, renderCaddyfile(fleet)],
    [`${MASTER_DIR}/db/init.sql`, STATIC.init],
    [`${MASTER_DIR}/docker-compose.yml`, renderMasterCompose(fleet)],
    [`${MASTER_DIR}/vector/vector.yml`, renderMasterVector()],
    // The fleet as the master API reads it (SUPAFLEET_FLEET_FILE), defaults filled in.
    ['/etc/supafleet/fleet.yaml', toYaml(fleet)],
    ['/etc/supafleet/master.json', renderMasterBootstrapData(fleet, restore)],
    ['/etc/wireguard/wg0.conf', renderMasterWgConf(fleet)],
  ];
  if (fleet.authelia.enabled)
    files.push([`${MASTER_DIR}/authelia/configuration.yml`, renderAutheliaConfig(fleet)]);
  files.push([
    `${MASTER_DIR}/backup/backup.json`,
    backupJson(fleet, renderedBackupPaths([...files.map(([path]) => path), ...BOOT_FILES])),
  ]);
  return new Map(files.sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The whole master stack with its `.env`, as paths relative to the filesystem root
 * (`opt/supafleet-master/...`, `etc/wireguard/wg0.conf`), for `supafleet render master`.
 */
export function renderMasterStack(input: {
  fleet: ResolvedFleet;
  secrets: MasterSecrets;
}): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, content] of masterFiles(input.fleet)) out.set(path.slice(1), content);
  out.set(`${MASTER_DIR.slice(1)}/.env`, renderMasterEnv(input.secrets));
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}
