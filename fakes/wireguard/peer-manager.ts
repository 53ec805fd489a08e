import { parseWgDump } from '../../master/src/wireguard/dump.ts';
import type { PeerManager, WgPeer } from '../../master/src/wireguard/peers.ts';
import { checkAllowedIp, checkPublicKey } from '../../master/src/wireguard/validate.ts';
import { FakeWg, wgPublicKey } from './wg.ts';

/** A private key for fakes and development (its public key belongs to nobody). */
const FAKE_MASTER_PRIVATE_KEY = 'cGVlci1tYW5hZ2VyLWZha2UtbWFzdGVyLWtleS0wMDA=';

/** The public key of the fake master's interface. */
export const FAKE_MASTER_PUBLIC_KEY = wgPublicKey(FAKE_MASTER_PRIVATE_KEY);

/**
 * The master's peer manager over a fake `wg` (`FakeWg`): the same validation as the real
 * manager (`master/src/wireguard/wg.ts`), the same `wg set` lines, and the dump read by the
 * production parser. Tests can simulate a peer's handshake and endpoint.
 */
export class FakePeerManager implements PeerManager {
  readonly wg: FakeWg;

  constructor(options: { privateKey?: string } = {}) {
    this.wg = new FakeWg({
      iface: 'wg0',
      privateKey: options.privateKey ?? FAKE_MASTER_PRIVATE_KEY,
      listenPort: 51820,
    });
  }

  async add(peer: { publicKey: string; allowedIp: string }): Promise<void> {
    checkPublicKey(peer.publicKey);
    checkAllowedIp(peer.allowedIp);
    await this.wg.run('wg', ['set', 'wg0', 'peer', peer.publicKey, 'allowed-ips', peer.allowedIp]);
  }

  async remove(publicKey: string): Promise<void> {
    checkPublicKey(publicKey);
    await this.wg.run('wg', ['set', 'wg0', 'peer', publicKey, 'remove']);
  }

  async list(): Promise<WgPeer[]> {
    return parseWgDump((await this.wg.run('wg', ['show', 'wg0', 'dump'])).stdout);
  }

  async publicKey(): Promise<string> {
    const key = (await this.wg.run('wg', ['show', 'wg0', 'public-key'])).stdout.trim();
    checkPublicKey(key);
    return key;
  }

  /** Simulates a handshake (unix seconds, null: none yet) and the endpoint it came from. */
  setHandshake(publicKey: string, latestHandshake: number | null, endpoint: string | null = null): void {
    this.wg.simulateHandshake(publicKey, latestHandshake ?? 0, endpoint ?? undefined);
  }
}
