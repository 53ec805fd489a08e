import type { PeerManager, WgPeer } from './peers.ts';
import { checkAllowedIp, checkPublicKey } from './validate.ts';

/** A public key for fakes and development: valid in shape, belongs to nobody. */
export const FAKE_MASTER_PUBLIC_KEY = 'c3VwYWZsZWV0LWZha2UtbWFzdGVyLXB1YmxpYy1rZXk=';

/**
 * An in-memory peer manager with the real one's rules (same validation, idempotent add and
 * remove, peers sorted by key). Tests can set a peer's handshake and endpoint.
 */
export class FakePeerManager implements PeerManager {
  readonly #peers = new Map<string, WgPeer>();
  readonly #publicKey: string;

  constructor(options: { publicKey?: string } = {}) {
    this.#publicKey = options.publicKey ?? FAKE_MASTER_PUBLIC_KEY;
    checkPublicKey(this.#publicKey);
  }

  async add(peer: { publicKey: string; allowedIp: string }): Promise<void> {
    checkPublicKey(peer.publicKey);
    checkAllowedIp(peer.allowedIp);
    const cur = this.#peers.get(peer.publicKey);
    this.#peers.set(peer.publicKey, {
      publicKey: peer.publicKey,
      allowedIps: [peer.allowedIp],
      endpoint: cur?.endpoint ?? null,
      latestHandshake: cur?.latestHandshake ?? null,
    });
  }

  async remove(publicKey: string): Promise<void> {
    checkPublicKey(publicKey);
    this.#peers.delete(publicKey);
  }

  async list(): Promise<WgPeer[]> {
    return [...this.#peers.values()]
      .map((p) => ({ ...p, allowedIps: [...p.allowedIps] }))
      .sort((a, b) => (a.publicKey < b.publicKey ? -1 : a.publicKey > b.publicKey ? 1 : 0));
  }

  async publicKey(): Promise<string> {
    return this.#publicKey;
  }

  /** Simulates a handshake (unix seconds) and the endpoint it came from. */
  setHandshake(publicKey: string, latestHandshake: number | null, endpoint: string | null = null): void {
    const cur = this.#peers.get(publicKey);
    if (!cur) throw new Error(`peer "${publicKey}" is not present in the fake`);
    this.#peers.set(publicKey, { ...cur, latestHandshake, endpoint: endpoint ?? cur.endpoint });
  }
}
