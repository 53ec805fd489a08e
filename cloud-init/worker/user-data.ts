/**
 * The worker's user_data: a bootstrap only. Hardening and Docker (shared with the
 * master), the backup key for the project's Storage Box sub-account, then enrollment.
 * It carries no long-lived secret: only the single-use enrollment token, the master URL,
 * the master's WireGuard public key and the sub-account's one-time password, which
 * apply replaces once the worker is healthy.
 */
import type { Secret } from '../../core/seal/secret.ts';
import type { ResolvedFleet, ResolvedProject } from '../../core/spec/defaults.ts';
import { backupPackages } from '../versions.ts';
import { hostname, ipv4Cidr, posixUser, urlSafeToken, wgKey } from '../shared/checks.ts';
import { renderCloudConfig, type UserData } from '../shared/cloud-config.ts';
import { hostFiles, type UfwRule } from '../shared/host.ts';
import { staticFile } from '../shared/static-file.ts';
import { toYaml } from '../shared/yaml.ts';
import { AGENT_NETWORKS, AGENT_UID, AGENT_VOLUMES, agentServices } from './compose.ts';

export interface WorkerEnrollment {
  /** Single-use enrollment token (expires 60 minutes after it was minted). */
  readonly token: string;
  /** Base URL of the master's public API, https://fleet.<domain>. */
  readonly masterUrl: string;
  /** The master's WireGuard public key; the worker refuses an answer naming another. */
  readonly masterWgPublicKey: string;
}

/** The project's own Storage Box sub-account (fleets with `storage_box.id`). */
export interface WorkerBackupAccount {
  /** The sub-account's user, as Hetzner assigned it (`u123456-sub3`). */
  readonly user: string;
  /** The host it logs in at (the sub-account's `server`). */
  readonly host: string;
  /** One-time password: first boot installs the worker's key with it; apply then replaces it. */
  readonly password: Secret;
}

export interface WorkerUserDataInput {
  readonly fleet: ResolvedFleet;
  readonly project: ResolvedProject;
  readonly enrollment: WorkerEnrollment;
  /** Required when the fleet sets `storage_box.id`, refused otherwise. */
  readonly backup?: WorkerBackupAccount;
}

const HARDEN = staticFile(import.meta.url, '../shared/static/harden.sh');
const ENROLL = staticFile(import.meta.url, './static/enroll.sh');
const BACKUP_KEY = staticFile(import.meta.url, './static/backup-key.sh');
/** Storage Box sub-account passwords as supafleet makes them (core/hetzner/storage-box.ts). */
const ONE_TIME_PASSWORD = /^[A-Za-z0-9_.-]{12,128}$/;

function backupAccountFile(fleet: ResolvedFleet, backup: WorkerBackupAccount | undefined) {
  if (fleet.storage_box.id === undefined) {
    if (backup) throw new Error('backup: the fleet has no storage_box.id, so workers use no sub-account');
    return [];
  }
  if (!backup) {
    throw new Error(
      `backup: the fleet's Storage Box ${fleet.storage_box.id} gives each project a sub-account; pass the project's (user, host, one-time password), as apply does`,
    );
  }
  const user = posixUser('backup.user', backup.user);
  const host = hostname('backup.host', backup.host);
  if (!ONE_TIME_PASSWORD.test(backup.password.reveal())) {
    throw new Error('backup.password: expected 12-128 characters of A-Z a-z 0-9 _ . -');
  }
  const account = { target: `${user}@${host}`, password: backup.password.reveal(), agent_uid: AGENT_UID };
  return [
    {
      path: '/etc/supafleet/backup-account.json',
      content: JSON.stringify(account) + '\n',
      permissions: '0600',
    },
    { path: '/usr/local/sbin/supafleet-backup-key', content: BACKUP_KEY, permissions: '0755' },
  ];
}

function masterUrl(fleet: ResolvedFleet, url: string): string {
  const m = /^https:\/\/([a-z0-9.-]+)$/.exec(url);
  if (!m)
    throw new Error(
      `enrollment.masterUrl: ${JSON.stringify(url)} is not valid; expected https://fleet.${fleet.domain}`,
    );
  hostname('enrollment.masterUrl', m[1] as string);
  return url;
}

export function renderWorkerUserData(input: WorkerUserDataInput): UserData {
  const { fleet, project, enrollment } = input;
  const backupFiles = backupAccountFile(fleet, input.backup);
  const cidr = fleet.network.cidr;
  ipv4Cidr('network.cidr', cidr);
  const ufw: UfwRule[] = [{ action: 'allow', port: 'any', proto: 'any', from: cidr }];
  if (fleet.ssh.workers_public) ufw.unshift({ action: 'limit', port: '22', proto: 'tcp', from: 'any' });
  const enroll = {
    master_url: masterUrl(fleet, enrollment.masterUrl),
    master_wg_public_key: wgKey('enrollment.masterWgPublicKey', enrollment.masterWgPublicKey),
    token: urlSafeToken('enrollment.token', enrollment.token),
    agent_uid: AGENT_UID,
  };
  return renderCloudConfig({
    sshUser: fleet.ssh.user,
    authorizedKeys: fleet.ssh.authorized_keys,
    packages: backupPackages,
    files: [
      ...hostFiles({
        role: 'worker',
        serverType: project.server.type,
        sshUser: fleet.ssh.user,
        wgCidr: cidr,
        ufw,
      }),
      { path: '/etc/supafleet/enroll.json', content: JSON.stringify(enroll) + '\n', permissions: '0600' },
      {
        path: '/etc/supafleet/agent-compose.yml',
        content: toYaml({
          services: agentServices(project.server.type),
          volumes: AGENT_VOLUMES,
          networks: AGENT_NETWORKS,
        }),
        permissions: '0600',
      },
      { path: '/usr/local/sbin/supafleet-harden', content: HARDEN, permissions: '0755' },
      { path: '/usr/local/sbin/supafleet-enroll', content: ENROLL, permissions: '0755' },
      ...backupFiles,
    ],
    runcmd: [
      ['/usr/local/sbin/supafleet-harden'],
      ...(backupFiles.length > 0 ? [['/usr/local/sbin/supafleet-backup-key']] : []),
      ['/usr/local/sbin/supafleet-enroll'],
    ],
  });
}
