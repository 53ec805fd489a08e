import { describe, expect, it } from 'vitest';
import type { WgPeer } from '../ports.ts';
import type { EnrolledPeerRow } from '../registry/queries.ts';
import { planPeers } from './reconcile-plan.ts';

const KEY = (n: number): string => Buffer.alloc(32, n).toString('base64');

function enrolled(project: string, n: number, status: 'active' | 'deleted' = 'active'): EnrolledPeerRow {
  return { project, status, wgIp: `10.100.0.${n}`, publicKey: KEY(n) };
}

function live(n: number, allowedIps = [`10.100.0.${n}/32`]): WgPeer {
  return { publicKey: KEY(n), allowedIps, endpoint: null, latestHandshake: null };
}

describe('planPeers', () => {
  it('when every enrolled peer is live with its address, then the plan is empty', () => {
    const plan = planPeers([enrolled('acme', 2), enrolled('blog', 3)], [live(2), live(3)]);
    expect(plan).toEqual({ repairs: [], unknown: [], inSync: 2 });
  });

  it('when an enrolled peer is missing on the interface, then it is added with <wg ip>/32', () => {
    const plan = planPeers([enrolled('acme', 2), enrolled('blog', 3)], [live(2)]);
    expect(plan.repairs).toEqual([
      { project: 'blog', publicKey: KEY(3), allowedIp: '10.100.0.3/32', reason: 'missing', found: [] },
    ]);
    expect(plan.inSync).toBe(1);
  });

  it.each([
    { name: 'another address', found: ['10.100.0.9/32'] },
    { name: 'no address at all', found: [] },
    { name: 'its address and a subnet besides', found: ['10.100.0.2/32', '192.168.0.0/16'] },
    { name: 'its address without /32', found: ['10.100.0.0/24'] },
  ])('when a peer is live with $name, then its allowed IPs are set right', ({ found }) => {
    const plan = planPeers([enrolled('acme', 2)], [live(2, found)]);
    expect(plan.repairs).toEqual([
      {
        project: 'acme',
        publicKey: KEY(2),
        allowedIp: '10.100.0.2/32',
        reason: 'allowed_ips',
        found: [...found].sort(),
      },
    ]);
  });

  it('when a live peer belongs to no project, then it is kept and listed as unknown', () => {
    const plan = planPeers([enrolled('acme', 2)], [live(2), live(40), live(30)]);
    expect(plan.repairs).toEqual([]);
    expect(plan.unknown).toEqual([KEY(30), KEY(40)].sort());
  });

  it('when a deleted project still has a peer row, then its peer is not re-added', () => {
    const plan = planPeers([enrolled('gone', 5, 'deleted'), enrolled('acme', 2)], [live(2)]);
    expect(plan).toEqual({ repairs: [], unknown: [], inSync: 1 });
  });

  it("when a deleted project's peer is still live, then it is reported as unknown, not removed", () => {
    const plan = planPeers([enrolled('gone', 5, 'deleted')], [live(5)]);
    expect(plan).toEqual({ repairs: [], unknown: [KEY(5)], inSync: 0 });
  });

  it('when nothing is enrolled and nothing is live, then there is nothing to do', () => {
    expect(planPeers([], [])).toEqual({ repairs: [], unknown: [], inSync: 0 });
  });

  it('when the lists come in another order, then the plan is the same, repairs by project name', () => {
    const rows = [enrolled('zeta', 4), enrolled('acme', 2), enrolled('mid', 3)];
    const peers = [live(9), live(3, []), live(8)];
    const a = planPeers(rows, peers);
    const b = planPeers([...rows].reverse(), [...peers].reverse());
    expect(b).toEqual(a);
    expect(a.repairs.map((r) => [r.project, r.reason])).toEqual([
      ['acme', 'missing'],
      ['mid', 'allowed_ips'],
      ['zeta', 'missing'],
    ]);
    expect(a.unknown).toEqual([KEY(8), KEY(9)].sort());
  });
});
