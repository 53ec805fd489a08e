/**
 * The worker's user_data: a bootstrap only. Hardening and Docker (shared with the
 * master), then enrollment. It carries no long-lived secret: only the single-use
 * enrollment token, the master URL and the master's WireGuard public key.
 */
import type { ResolvedFleet, ResolvedProject } from '../../core/spec/defaults.ts';
import { backupPackages } from '../versions.ts';
import { hostname, ipv4Cidr, urlSafeToken, wgKey } from '../shared/checks.ts';
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

export interface WorkerUserDataInput {
  readonly fleet: ResolvedFleet;
  readonly project: ResolvedProject;
  readonly enrollment: WorkerEnrollment;
}

const HARDEN = staticFile(import.meta.url, '../shared/static/harden.sh');
const ENROLL = staticFile(import.meta.url, './static/enroll.sh');

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
    ],
    runcmd: [['/usr/local/sbin/supafleet-harden'], ['/usr/local/sbin/supafleet-enroll']],
  });
}
