/**
 * Host hardening and tuning shared by the master and the workers: the files
 * cloud-init writes before the bootstrap script runs, and the data file
 * (`/etc/supafleet/host.json`) that script reads. Every value here is either a
 * constant or a number derived from the server type; the only spec value, the
 * deploy user name, is checked to be a POSIX user name first.
 */
import { serverType } from '../../core/catalogue/catalogue.ts';
import { dockerApt } from '../versions.ts';
import { posixUser } from './checks.ts';
import type { FileSpec } from './pack.ts';

export const HOST_JSON = '/etc/supafleet/host.json';

/** Performance settings that depend on how much memory the server has. */
export interface RamTier {
  readonly name: 'small' | 'medium' | 'large';
  readonly swapMb: number;
  readonly somaxconn: number;
  readonly fileMax: number;
  readonly tcpBufferMax: number;
}

/** The tier for a server type, from the catalogue's memory size. */
export function ramTier(type: string): RamTier {
  const st = serverType(type);
  if (!st)
    throw new Error(
      `server.type: ${JSON.stringify(type)} is not in the catalogue (core/catalogue/hetzner.json)`,
    );
  const gb = st.memory_gb;
  if (gb <= 4)
    return { name: 'small', swapMb: 2048, somaxconn: 1024, fileMax: 262144, tcpBufferMax: 8 << 20 };
  if (gb <= 16)
    return { name: 'medium', swapMb: 4096, somaxconn: 4096, fileMax: 1048576, tcpBufferMax: 16 << 20 };
  return { name: 'large', swapMb: 8192, somaxconn: 8192, fileMax: 2097152, tcpBufferMax: 32 << 20 };
}

/** A UFW rule: port/proto, from anywhere or from one network. */
export interface UfwRule {
  /** limit: allow, but rate-limit new connections (SSH). */
  readonly action: 'allow' | 'limit';
  readonly port: string;
  readonly proto: 'tcp' | 'udp' | 'any';
  readonly from: string;
}

export interface HostOptions {
  readonly role: 'master' | 'worker';
  readonly serverType: string;
  readonly sshUser: string;
  readonly wgCidr: string;
  readonly ufw: readonly UfwRule[];
}

/** The data file the bootstrap script reads with jq. */
export function hostJson(o: HostOptions): string {
  const tier = ramTier(o.serverType);
  return (
    JSON.stringify({
      docker: {
        fingerprint: dockerApt.keyFingerprint,
        packages: Object.entries(dockerApt.packages).map(([p, v]) => `${p}=${v}`),
        source: `deb [signed-by=/etc/apt/keyrings/docker.gpg] ${dockerApt.url} ${dockerApt.suite} ${dockerApt.component}`,
        url: dockerApt.url,
      },
      role: o.role,
      ssh_user: posixUser('ssh.user', o.sshUser),
      swap_mb: tier.swapMb,
      sysctl: sysctlSettings(tier),
      ufw: o.ufw,
      wg_cidr: o.wgCidr,
    }) + '\n'
  );
}

/** Kernel settings: the hardening list plus tuning by RAM tier. */
export function sysctlSettings(tier: RamTier): Record<string, string> {
  const settings: [string, string | number][] = [
    ['net.ipv4.conf.all.rp_filter', 1],
    ['net.ipv4.conf.default.rp_filter', 1],
    ['net.ipv4.conf.all.accept_redirects', 0],
    ['net.ipv4.conf.default.accept_redirects', 0],
    ['net.ipv4.conf.all.send_redirects', 0],
    ['net.ipv4.conf.default.send_redirects', 0],
    ['net.ipv4.conf.all.accept_source_route', 0],
    ['net.ipv4.conf.default.accept_source_route', 0],
    ['net.ipv4.conf.all.log_martians', 1],
    ['net.ipv4.icmp_echo_ignore_broadcasts', 1],
    ['net.ipv4.tcp_syncookies', 1],
    ['net.ipv6.conf.all.accept_redirects', 0],
    ['net.ipv6.conf.default.accept_redirects', 0],
    ['net.ipv6.conf.all.accept_source_route', 0],
    ['kernel.randomize_va_space', 2],
    ['kernel.kptr_restrict', 2],
    ['kernel.dmesg_restrict', 1],
    ['kernel.yama.ptrace_scope', 1],
    ['fs.suid_dumpable', 0],
    ['fs.protected_hardlinks', 1],
    ['fs.protected_symlinks', 1],
    // Docker and WireGuard forward packets; rp_filter above still drops spoofed sources.
    ['net.ipv4.ip_forward', 1],
    // Tuning by RAM tier.
    ['vm.swappiness', 10],
    ['fs.file-max', tier.fileMax],
    ['net.core.somaxconn', tier.somaxconn],
    ['net.ipv4.tcp_max_syn_backlog', tier.somaxconn],
    ['net.core.rmem_max', tier.tcpBufferMax],
    ['net.core.wmem_max', tier.tcpBufferMax],
    ['net.ipv4.tcp_rmem', `4096 87380 ${tier.tcpBufferMax}`],
    ['net.ipv4.tcp_wmem', `4096 65536 ${tier.tcpBufferMax}`],
  ];
  return Object.fromEntries(settings.map(([k, v]) => [k, String(v)]));
}

/**
 * The files cloud-init writes for hardening: only host.json. The static config
 * files (sshd, fail2ban, unattended upgrades, Docker daemon, udev) live in the
 * hardening script, where they compress together with it.
 */
export function hostFiles(o: HostOptions): FileSpec[] {
  return [{ path: HOST_JSON, content: hostJson(o), permissions: '0600' }];
}
