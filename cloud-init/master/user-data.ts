/**
 * The master's user_data: the same hardening and Docker bootstrap as the workers
 * (with 22, 80, 443 and 51820/udp open), the master stack without secrets, and a
 * script that generates the master's secrets on the server and starts the stack.
 */
import type { ResolvedFleet } from '../../core/spec/defaults.ts';
import { backupPackages, images } from '../versions.ts';
import { renderCloudConfig, type UserData } from '../shared/cloud-config.ts';
import { hostFiles, type UfwRule } from '../shared/host.ts';
import { staticFile } from '../shared/static-file.ts';
import { masterLayout, WG_PORT } from './layout.ts';
import { MASTER_SECRET_SPECS } from './secrets.ts';
import { masterFiles } from './stack.ts';

const HARDEN = staticFile(import.meta.url, '../shared/static/harden.sh');
const MASTER_UP = staticFile(import.meta.url, './static/master-up.sh');

export interface MasterUserDataInput {
  readonly fleet: ResolvedFleet;
}

export function renderMasterUserData(input: MasterUserDataInput): UserData {
  const { fleet } = input;
  const { cidr } = masterLayout(fleet);
  const ufw: UfwRule[] = [
    { action: 'limit', port: '22', proto: 'tcp', from: 'any' },
    { action: 'allow', port: '80', proto: 'tcp', from: 'any' },
    { action: 'allow', port: '443', proto: 'tcp', from: 'any' },
    { action: 'allow', port: String(WG_PORT), proto: 'udp', from: 'any' },
    { action: 'allow', port: 'any', proto: 'any', from: cidr },
  ];
  const stack = [...masterFiles(fleet)].map(([path, content]) => ({
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
        path: '/etc/supafleet/secrets.json',
        content:
          JSON.stringify(
            MASTER_SECRET_SPECS.map((s) => ({ env: s.env, bytes: s.bytes, encoding: s.encoding ?? 'hex' })),
          ) + '\n',
        permissions: '0600',
      },
      {
        path: '/etc/supafleet/images.json',
        content: JSON.stringify({ authelia: images.authelia, caddy: images.caddy }) + '\n',
        permissions: '0600',
      },
      { path: '/usr/local/sbin/supafleet-harden', content: HARDEN, permissions: '0755' },
      { path: '/usr/local/sbin/supafleet-master-up', content: MASTER_UP, permissions: '0755' },
    ],
    runcmd: [['/usr/local/sbin/supafleet-harden'], ['/usr/local/sbin/supafleet-master-up']],
  });
}
