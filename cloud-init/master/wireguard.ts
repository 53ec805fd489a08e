/**
 * The master's wg0.conf (the hub). The private key stays in its own file, generated
 * on the server; peers are added live by the master API and persisted in
 * peers.conf, which is loaded again when the interface comes up. Traffic from one
 * worker to another is dropped: a worker's peer is the master alone.
 */
import type { ResolvedFleet } from '../../core/spec/defaults.ts';
import { masterLayout, WG_PORT } from './layout.ts';

export function renderMasterWgConf(fleet: ResolvedFleet): string {
  const { wgAddress, prefix } = masterLayout(fleet);
  return [
    '[Interface]',
    `Address = ${wgAddress}/${prefix}`,
    `ListenPort = ${WG_PORT}`,
    'PostUp = wg set %i private-key /etc/wireguard/wg0.key',
    'PostUp = test ! -s /etc/wireguard/peers.conf || wg addconf %i /etc/wireguard/peers.conf',
    // Workers reach the master, never each other: no forwarding from wg0 back into wg0.
    'PostUp = iptables -I FORWARD -i %i -o %i -j DROP',
    'PostDown = iptables -D FORWARD -i %i -o %i -j DROP',
    '',
  ].join('\n');
}
