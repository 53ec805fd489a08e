/**
 * The master's user_data: the same hardening and Docker bootstrap as the workers
 * (with 22, 80, 443 and 51820/udp open), the master stack without secrets, and a
 * script that generates the master's secrets on the server and starts the stack.
 * With `restore: true` (a master rebuilt in place to be restored from its backup)
 * the first boot stops after the hardening and waits for the operator to run
 * `supafleet-master-restore`; every master carries the backup and restore scripts.
 */
import type { ResolvedFleet } from '../../core/spec/defaults.ts';
import { backupPackages, images } from '../versions.ts';
import { renderCloudConfig, type UserData } from '../shared/cloud-config.ts';
import { hostFiles, type UfwRule } from '../shared/host.ts';
import { staticFile } from '../shared/static-file.ts';
import { masterLayout, WG_PORT } from './layout.ts';
import { MASTER_SECRET_SPECS } from './secrets.ts';
import { MASTER_BACKUP_COMMAND, MASTER_IMAGES_FILE, MASTER_SECRETS_SPEC_FILE, masterFiles } from './stack.ts';

const HARDEN = staticFile(import.meta.url, '../shared/static/harden.sh');
const MASTER_UP = staticFile(import.meta.url, './static/master-up.sh');
const MASTER_BACKUP = staticFile(import.meta.url, './static/master-backup.sh');
const MASTER_BACKUP_PASSWORD = staticFile(import.meta.url, './static/master-backup-password.sh');
const MASTER_RESTORE = staticFile(import.meta.url, './static/master-restore.sh');

export interface MasterUserDataInput {
  readonly fleet: ResolvedFleet;
  /** The master is rebuilt to be restored: no secrets or stack at boot, the restore comes first. */
  readonly restore?: boolean;
}

export function renderMasterUserData(input: MasterUserDataInput): UserData {
  const { fleet, restore = false } = input;
  const { cidr } = masterLayout(fleet);
  const ufw: UfwRule[] = [
    { action: 'limit', port: '22', proto: 'tcp', from: 'any' },
    { action: 'allow', port: '80', proto: 'tcp', from: 'any' },
    { action: 'allow', port: '443', proto: 'tcp', from: 'any' },
    { action: 'allow', port: String(WG_PORT), proto: 'udp', from: 'any' },
    { action: 'allow', port: 'any', proto: 'any', from: cidr },
  ];
  const stack = [...masterFiles(fleet, restore)].map(([path, content]) => ({
    path,
    content,
    permissions: path.endsWith('.sh') ? '0700' : '0600',
  }));
  return renderCloudConfig({
    sshUser: fleet.ssh.user,
    authorizedKeys: fleet.ssh.authorized_keys,
    packages: backupPackages,
    files: [
      ...hostFiles({
        role: 'master',
        serverType: fleet.master.server.type,
        sshUser: fleet.ssh.user,
        wgCidr: cidr,
        ufw,
      }),
      ...stack,
      {
        path: MASTER_SECRETS_SPEC_FILE,
        content: JSON.stringify(MASTER_SECRET_SPECS.map((s) => [s.env, s.bytes, s.encoding ?? 'hex'])) + '\n',
        permissions: '0600',
      },
      {
        path: MASTER_IMAGES_FILE,
        content: JSON.stringify({ authelia: images.authelia, caddy: images.caddy }) + '\n',
        permissions: '0600',
      },
      { path: '/usr/local/sbin/supafleet-harden', content: HARDEN, permissions: '0755' },
      { path: '/usr/local/sbin/supafleet-master-up', content: MASTER_UP, permissions: '0755' },
      { path: MASTER_BACKUP_COMMAND, content: MASTER_BACKUP, permissions: '0755' },
      {
        path: '/usr/local/sbin/supafleet-master-backup-password',
        content: MASTER_BACKUP_PASSWORD,
        permissions: '0755',
      },
      { path: '/usr/local/sbin/supafleet-master-restore', content: MASTER_RESTORE, permissions: '0755' },
    ],
    runcmd: [['/usr/local/sbin/supafleet-harden'], ['/usr/local/sbin/supafleet-master-up']],
  });
}
