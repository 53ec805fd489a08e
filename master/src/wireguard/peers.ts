/**
 * The master's WireGuard peers: the interface the master API uses, with a real implementation
 * (`createWgPeerManager`, through `wg` and the persisted wg-quick file); tests use the fake in
 * `fakes/wireguard/`.
 */

/** One peer as `wg show <iface> dump` lists it. */
export interface WgPeer {
  publicKey: string;
  allowedIps: string[];
  /** `host:port` the peer last sent from, or null when it never did. */
  endpoint: string | null;
  /** Unix seconds of the latest handshake; null when there was none. */
  latestHandshake: number | null;
}

/** Live peers of the master's WireGuard interface. */
export interface PeerManager {
  /** Adds the peer, or sets its allowed IP when it exists. Idempotent. */
  add(peer: { publicKey: string; allowedIp: string /* "10.100.0.2/32" */ }): Promise<void>;
  /** Removes the peer; removing an absent peer succeeds. */
  remove(publicKey: string): Promise<void>;
  list(): Promise<WgPeer[]>;
  /** The master's own WireGuard public key. */
  publicKey(): Promise<string>;
}

export { checkAllowedIp, checkPublicKey } from './validate.ts';
export { createWgPeerManager } from './wg.ts';
export type { WgPeerManager, WgPeerManagerOptions } from './wg.ts';
