/**
 * The worker's stack bundle: every file the agent writes under its state directory
 * (/opt/supafleet), as relative path → content. Pure and deterministic.
 */
import { SUPABASE_RELEASE } from '../versions.ts';
import { cronSchedule, dnsLabel, hostname, httpsUrl, ipv4InCidr, posixUser } from '../shared/checks.ts';
import { staticFile } from '../shared/static-file.ts';
import { AGENT_STORAGE_MOUNT, WORKER_PORTS, renderWorkerCompose } from './compose.ts';
import { renderFunctionSecrets, renderWorkerEnv } from './env.ts';
import type { WorkerBundleInput } from './input.ts';
import { renderWorkerVector } from './vector.ts';

export const WORKER_STATE_DIR = '/opt/supafleet';
/**
 * SSH key the backup script uses for the Storage Box: with per-project sub-accounts
 * (`storage_box.id`), the worker makes it at first boot and installs its public half in
 * its sub-account (user-data.ts); it is never in the bundle.
 */
export const BACKUP_SSH_KEY = '/etc/supafleet/backup.key';
/** Where first boot writes the worker's sub-account as `user@host` (backup.sh reads it as {target}). */
export const BACKUP_TARGET_FILE = '/etc/supafleet/backup-target';

const STATIC = {
  backup: staticFile(import.meta.url, '../shared/static/backup.sh'),
  jwt: staticFile(import.meta.url, './static/jwt.sql'),
  health: staticFile(import.meta.url, './static/functions-supafleet-health.ts.txt'),
  main: staticFile(import.meta.url, './static/functions-main.ts.txt'),
  realtime: staticFile(import.meta.url, './static/realtime.sql'),
  roles: staticFile(import.meta.url, './static/roles.sql'),
  supafleet: staticFile(import.meta.url, './static/supafleet.sql'),
  webhooks: staticFile(import.meta.url, './static/webhooks.sql'),
};

/**
 * Where the worker's backups go. With `storage_box.id`, the project has its own
 * sub-account whose home is `supafleet/<project>`: the repository is that home
 * (`sftp:<sub-account>:.`), and the sub-account, which Hetzner names, is read from
 * BACKUP_TARGET_FILE. Without it, the fleet's main account and `supafleet/<project>`.
 * Workers never prune: a sub-account only adds snapshots, and retention runs from the
 * main account (docs/running-your-fleet.md, "Backups").
 */
function backupTarget(input: WorkerBundleInput): { repository: string; login: string; targetFile?: string } {
  const { fleet, project } = input;
  const host = hostname('storage_box.host', fleet.storage_box.host);
  const user = posixUser('storage_box.user', fleet.storage_box.user);
  if (fleet.storage_box.id !== undefined) {
    return { repository: 'sftp:{target}:.', login: '{target}', targetFile: BACKUP_TARGET_FILE };
  }
  return { repository: `sftp://${user}@${host}:23/supafleet/${project.name}`, login: `${user}@${host}` };
}

function backupJson(input: WorkerBundleInput): string {
  const { project } = input;
  const target = backupTarget(input);
  return (
    JSON.stringify(
      {
        ...(project.backup.healthcheck_url !== undefined
          ? { healthcheck_url: httpsUrl('backup.healthcheck_url', project.backup.healthcheck_url) }
          : {}),
        // Over loopback TCP, which the Postgres image trusts (its socket wants supabase_admin's password).
        dumps: [
          {
            name: 'db',
            container: 'supafleet-db-1',
            command: ['pg_dumpall', '-h', '127.0.0.1', '-U', 'supabase_admin'],
          },
        ],
        keep: project.backup.keep,
        paths: ['.env', 'docker-compose.yml', 'function-secrets.json', 'functions', AGENT_STORAGE_MOUNT],
        prune: false,
        repository: target.repository,
        sftp_command: `ssh -p 23 -i ${BACKUP_SSH_KEY} -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${WORKER_STATE_DIR}/.ssh_known_hosts ${target.login} -s sftp`,
        state_dir: WORKER_STATE_DIR,
        tag: `project=${project.name}`,
        ...(target.targetFile !== undefined ? { target_file: target.targetFile } : {}),
      },
      null,
      1,
    ) + '\n'
  );
}

/**
 * The agent's health probes. The agent runs on the host network, where service
 * names do not resolve: it reaches each service on the wg address it is published on.
 */
function probesJson(wg: string): string {
  const http = (service: keyof typeof WORKER_PORTS, path: string, extra: object = {}) => ({
    service,
    type: 'http',
    url: `http://${wg}:${WORKER_PORTS[service]}${path}`,
    ...extra,
  });
  const probes = [
    http('auth', '/health'),
    {
      service: 'db',
      type: 'postgres',
      host: wg,
      port: WORKER_PORTS.db,
      user: 'postgres',
      database: 'postgres',
      password_env: 'POSTGRES_PASSWORD',
    },
    http('functions', '/', { expect: 'below-500' }),
    http('meta', '/health'),
    http('realtime', '/api/tenants/realtime-dev/health', {
      headers: { Authorization: 'Bearer ${ANON_KEY}' },
    }),
    http('rest', '/'),
    http('storage', '/status'),
  ];
  return JSON.stringify({ probes }, null, 1) + '\n';
}

function crontab(input: WorkerBundleInput): string {
  const schedule = cronSchedule('backup.schedule', input.project.backup.schedule);
  return [
    '# supafleet: backup schedule (the agent runs backup.sh on it)',
    'SHELL=/bin/bash',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `${schedule} root ${WORKER_STATE_DIR}/backup/backup.sh >>/var/log/supafleet-backup.log 2>&1`,
    '',
  ].join('\n');
}

/** Renders the bundle. Paths are relative to the agent's state directory. */
export function renderWorkerBundle(input: WorkerBundleInput): Map<string, string> {
  if (!Number.isInteger(input.revision) || input.revision < 1) {
    throw new Error(`revision: ${input.revision} is not valid; expected an integer ≥ 1`);
  }
  dnsLabel('name', input.project.name);
  dnsLabel('subdomain', input.project.subdomain);
  hostname('domain', input.fleet.domain);
  ipv4InCidr('wgAddress', input.wgAddress, input.fleet.network.cidr);
  const files: [string, string][] = [
    ['.env', renderWorkerEnv(input)],
    ['backup/backup.json', backupJson(input)],
    ['backup/backup.sh', STATIC.backup],
    ['backup/crontab', crontab(input)],
    ['backup/restic-password', input.secrets.restic_password + '\n'],
    ['db/init/jwt.sql', STATIC.jwt],
    ['db/init/realtime.sql', STATIC.realtime],
    ['db/init/roles.sql', STATIC.roles],
    ['db/init/supafleet.sql', STATIC.supafleet],
    ['db/init/webhooks.sql', STATIC.webhooks],
    ['docker-compose.yml', renderWorkerCompose(input)],
    ['function-secrets.json', renderFunctionSecrets(input)],
    ['functions/main/index.ts', STATIC.main],
    // the function `supafleet smoke` invokes (core/smoke)
    ['functions/supafleet-health/index.ts', STATIC.health],
    [
      'manifest.json',
      JSON.stringify(
        { project: input.project.name, revision: input.revision, supabase_release: SUPABASE_RELEASE },
        null,
        1,
      ) + '\n',
    ],
    ['probes.json', probesJson(input.wgAddress)],
    ['vector/vector.yml', renderWorkerVector()],
  ];
  return new Map(files);
}

/** Bundle files that hold secrets: the agent writes them with mode 0600. */
export const SECRET_BUNDLE_FILES = ['.env', 'backup/restic-password', 'function-secrets.json'] as const;
