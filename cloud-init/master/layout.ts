/** Where things live on the master, and the addresses its services listen on. */
import type { ResolvedFleet } from '../../core/spec/defaults.ts';
import { hostname, ipv4Cidr, masterWgAddress } from '../shared/checks.ts';

export const MASTER_DIR = '/opt/supafleet-master';
export const WG_PORT = 51820;

export interface MasterLayout {
  readonly domain: string;
  readonly cidr: string;
  readonly prefix: number;
  readonly wgAddress: string;
  /** The master API (host network): public API on loopback behind Caddy, agent listener on wg. */
  readonly apiListen: string;
  readonly agentListen: string;
}

export function masterLayout(fleet: ResolvedFleet): MasterLayout {
  const domain = hostname('domain', fleet.domain);
  const { prefix } = ipv4Cidr('network.cidr', fleet.network.cidr);
  const wgAddress = masterWgAddress(fleet.network.cidr);
  return {
    domain,
    cidr: fleet.network.cidr,
    prefix,
    wgAddress,
    apiListen: '127.0.0.1:8080',
    agentListen: `${wgAddress}:8081`,
  };
}
