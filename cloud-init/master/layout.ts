/** Where things live on the master, and the addresses its services listen on. */
import type { ResolvedFleet } from '../../core/spec/defaults.ts';
import { adminZoneProblem } from '../../core/spec/rules/admin-zone.ts';
import { hostname, ipv4Cidr, masterWgAddress } from '../shared/checks.ts';

export const MASTER_DIR = '/opt/supafleet-master';
export const WG_PORT = 51820;
/**
 * Where the master API keeps the peers it adds live (loaded again by wg0.conf's PostUp): a
 * directory of its own, which its user (uid 1000) may write (it replaces the file atomically),
 * so it sees nothing else of /etc/wireguard, the master's private key included.
 */
export const MASTER_PEERS_DIR = '/etc/wireguard/supafleet';
export const MASTER_PEERS_FILE = `${MASTER_PEERS_DIR}/peers.conf`;
/** The master API's Studio front (host network, loopback): Caddy sends studio-<project> hosts here. */
export const STUDIO_FRONT_LISTEN = '127.0.0.1:8090';

export interface MasterLayout {
  readonly domain: string;
  /**
   * The admin zone: Authelia's login, Studio and the dashboard are served under it, and
   * Authelia's session cookie is scoped to it. It holds no project host.
   */
  readonly adminDomain: string;
  readonly cidr: string;
  readonly prefix: number;
  readonly wgAddress: string;
  /** The master API (host network): public API on loopback behind Caddy, agent listener on wg. */
  readonly apiListen: string;
  readonly agentListen: string;
}

export function masterLayout(fleet: ResolvedFleet): MasterLayout {
  const domain = hostname('domain', fleet.domain);
  const adminDomain = hostname('admin_domain', fleet.admin_domain);
  const overlap = adminZoneProblem(domain, adminDomain);
  if (overlap !== undefined) throw new Error(`admin_domain: ${overlap}`);
  const { prefix } = ipv4Cidr('network.cidr', fleet.network.cidr);
  const wgAddress = masterWgAddress(fleet.network.cidr);
  return {
    domain,
    adminDomain,
    cidr: fleet.network.cidr,
    prefix,
    wgAddress,
    apiListen: '127.0.0.1:8080',
    agentListen: `${wgAddress}:8081`,
  };
}
