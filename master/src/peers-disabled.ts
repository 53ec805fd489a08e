import type { PeerManager } from './ports.ts';

/**
 * The peer manager when SUPAFLEET_WG_INTERFACE is empty (development): peers are
 * recorded in the registry only, nothing touches WireGuard.
 */
export function disabledPeerManager(publicKey: string): PeerManager {
  return {
    managed: false,
    async add() {},
    async remove() {},
    async list() {
      return [];
    },
    async publicKey() {
      return publicKey;
    },
  };
}
