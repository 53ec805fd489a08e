/**
 * The master's wg0.conf (the hub). The private key stays in its own file, generated
 * on the server; peers are added live by the master API and persisted in
 * peers.conf, which is loaded again when the interface comes up.
 *
 * What arrives on wg0 is for the master's wg address or for nothing: a packet
 * addressed to anything else (another worker, a container's bridge address, a
 * host-only address) is dropped in the raw table, before Docker's NAT and
 * forwarding rules see it. A worker that widens its own AllowedIPs and routes
 * Docker's subnets over wg therefore still cannot reach a container published on
 * 127.0.0.1 (Docker before 28 accepts such direct-routed packets). The FORWARD
 * rule is the second line for worker-to-worker traffic.
 *
 * The file also carries the master's one host rule beyond wg0 (wg-quick applies it at
 * every boot, before Docker starts): Kong's Admin API, which has no authentication of
 * its own, answers on its own network only the master API's user, and so does the Studio
 * Docker API proxy. Every other process on the host network (Caddy, which faces the
 * internet, root, any other user) gets a reset.
 */
import type { ResolvedFleet } from '../../core/spec/defaults.ts';
import { KONG_ADMIN_NETWORK, STUDIO_DOCKER_NETWORK } from './compose.ts';
import { MASTER_API_UID } from './keys.ts';
import { MASTER_PEERS_FILE, masterLayout, WG_PORT } from './layout.ts';

/** The OUTPUT rule (without -I/-D) that keeps Kong Admin to the master API's uid. */
export const KONG_ADMIN_OWNER_RULE =
  `OUTPUT -d ${KONG_ADMIN_NETWORK.kong}/32 -p tcp --dport 8001 -m owner ! --uid-owner ${MASTER_API_UID} ` +
  '-j REJECT --reject-with tcp-reset';

/** The same for the Studio Docker API proxy (creating containers is root on the host). */
export const STUDIO_DOCKER_OWNER_RULE =
  `OUTPUT -d ${STUDIO_DOCKER_NETWORK.proxy}/32 -p tcp --dport 2375 -m owner ! --uid-owner ${MASTER_API_UID} ` +
  '-j REJECT --reject-with tcp-reset';

export function renderMasterWgConf(fleet: ResolvedFleet): string {
  const { wgAddress, prefix } = masterLayout(fleet);
  const onlyToSelf = `PREROUTING -i %i ! -d ${wgAddress}/32 -j DROP`;
  return [
    '[Interface]',
    `Address = ${wgAddress}/${prefix}`,
    `ListenPort = ${WG_PORT}`,
    'PostUp = wg set %i private-key /etc/wireguard/wg0.key',
    `PostUp = test ! -s ${MASTER_PEERS_FILE} || wg addconf %i ${MASTER_PEERS_FILE}`,
    // Only the master's own wg address is reachable from wg0 (see the file comment).
    `PostUp = iptables -w -t raw -I ${onlyToSelf}`,
    `PostDown = iptables -w -t raw -D ${onlyToSelf}`,
    // Workers reach the master, never each other: no forwarding from wg0 back into wg0.
    'PostUp = iptables -I FORWARD -i %i -o %i -j DROP',
    'PostDown = iptables -D FORWARD -i %i -o %i -j DROP',
    // Kong Admin: the master API's user only (see the file comment).
    `PostUp = iptables -w -I ${KONG_ADMIN_OWNER_RULE}`,
    `PostDown = iptables -w -D ${KONG_ADMIN_OWNER_RULE}`,
    // The Studio Docker API: the master API's user only.
    `PostUp = iptables -w -I ${STUDIO_DOCKER_OWNER_RULE}`,
    `PostDown = iptables -w -D ${STUDIO_DOCKER_OWNER_RULE}`,
    '',
  ].join('\n');
}
