import type { WgPeer } from '../ports.ts';
import type { EnrolledPeerRow } from '../registry/queries.ts';

/** Why a peer is repaired: absent from the interface, or present with other allowed IPs. */
export type PeerRepairReason = 'missing' | 'allowed_ips';

/** One `add` the reconciler makes: the project's peer, with its only allowed IP. */
export interface PeerRepair {
  readonly project: string;
  readonly publicKey: string;
  /** `<wg ip>/32`. */
  readonly allowedIp: string;
  readonly reason: PeerRepairReason;
  /** The allowed IPs found live (empty when the peer is missing). */
  readonly found: readonly string[];
}

/** What to change so the interface holds every enrolled worker of an active project. */
export interface PeerPlan {
  /** By project name. */
  readonly repairs: readonly PeerRepair[];
  /** Live peers no active project owns, by key: reported, never removed. */
  readonly unknown: readonly string[];
  /** Projects whose peer is live and right. */
  readonly inSync: number;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Pure. Desired: every active project's enrolled peer with `<wg ip>/32` as its only allowed IP;
 * actual: the interface's peers. A missing peer or one with other allowed IPs is repaired (an
 * add sets the allowed IPs exactly); a live peer that no active project owns is left in place
 * (an operator may have added it on purpose) and listed as unknown. Deleted projects want
 * nothing. The same input gives the same plan, whatever the order of the lists.
 */
export function planPeers(enrolled: readonly EnrolledPeerRow[], actual: readonly WgPeer[]): PeerPlan {
  const desired = new Map<string, { project: string; allowedIp: string }>();
  for (const e of [...enrolled].sort((a, b) => byString(a.project, b.project))) {
    // the registry keeps keys unique; should two rows share one anyway, the first name wins
    if (e.status !== 'active' || desired.has(e.publicKey)) continue;
    desired.set(e.publicKey, { project: e.project, allowedIp: `${e.wgIp}/32` });
  }
  const live = new Map(actual.map((p) => [p.publicKey, p]));
  const repairs: PeerRepair[] = [];
  let inSync = 0;
  for (const [publicKey, want] of desired) {
    const peer = live.get(publicKey);
    const base = { project: want.project, publicKey, allowedIp: want.allowedIp };
    if (!peer) {
      repairs.push({ ...base, reason: 'missing', found: [] });
    } else if (peer.allowedIps.length !== 1 || peer.allowedIps[0] !== want.allowedIp) {
      repairs.push({ ...base, reason: 'allowed_ips', found: [...peer.allowedIps].sort(byString) });
    } else {
      inSync += 1;
    }
  }
  const unknown = [...live.keys()].filter((k) => !desired.has(k)).sort(byString);
  return { repairs, unknown, inSync };
}
