import { describe, expect, it } from 'vitest';
import { computeHealth, PEER_MISSING_REASON, type HealthInput, type HealthState } from './health.ts';
import { badgeFor } from './badges.ts';

const now = new Date('2026-11-24T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const ok = [
  { name: 'db', state: 'healthy' as const },
  { name: 'rest', state: 'healthy' as const },
];
const base: HealthInput = {
  now,
  since: ago(600),
  desiredRevision: 3,
  heartbeatAt: ago(10),
  apply: { state: 'applied', revision: 3 },
  services: ok,
};

const cases: { name: string; input: Partial<HealthInput>; want: HealthState; reason?: RegExp }[] = [
  { name: 'a fresh heartbeat, all services healthy, desired revision applied', input: {}, want: 'healthy' },
  {
    name: 'no heartbeat yet, created 10 minutes ago',
    input: { heartbeatAt: null, apply: null, services: null },
    want: 'provisioning',
  },
  {
    name: 'no heartbeat 31 minutes after creation',
    input: { since: ago(31 * 60), heartbeatAt: null, apply: null, services: null },
    want: 'failed',
    reason: /no heartbeat 31 minutes/,
  },
  { name: 'a heartbeat 89 s old', input: { heartbeatAt: ago(89) }, want: 'healthy' },
  { name: 'a heartbeat 90 s old', input: { heartbeatAt: ago(90) }, want: 'degraded', reason: /90 s ago/ },
  { name: 'a heartbeat 179 s old', input: { heartbeatAt: ago(179) }, want: 'degraded' },
  { name: 'no heartbeat for 3 minutes', input: { heartbeatAt: ago(180) }, want: 'down', reason: /180 s/ },
  {
    name: 'one service unhealthy',
    input: { services: [...ok, { name: 'auth', state: 'unhealthy' }] },
    want: 'degraded',
    reason: /auth unhealthy/,
  },
  {
    name: 'one service starting',
    input: { services: [...ok, { name: 'auth', state: 'starting' }] },
    want: 'degraded',
  },
  { name: 'no services reported', input: { services: [] }, want: 'degraded', reason: /no services/ },
  {
    name: 'an older revision running',
    input: { apply: { state: 'applied', revision: 2 } },
    want: 'degraded',
    reason: /revision 2 of 3/,
  },
  {
    name: 'the new revision applying over a running one',
    input: { apply: { state: 'applying', revision: 3, running_revision: 2 } },
    want: 'degraded',
  },
  {
    name: 'the first revision still applying',
    input: { apply: { state: 'applying', revision: 1 } },
    want: 'provisioning',
  },
  { name: 'nothing applied yet', input: { apply: { state: 'none', revision: 0 } }, want: 'provisioning' },
  {
    name: 'the desired revision failed to apply',
    input: { apply: { state: 'failed', revision: 3, running_revision: 2 } },
    want: 'failed',
    reason: /revision 3 failed/,
  },
  {
    name: 'an older revision failed and the master already wants a newer one',
    input: { apply: { state: 'failed', revision: 2, running_revision: 1 } },
    want: 'degraded',
  },
  {
    name: 'a WireGuard handshake 200 s old',
    input: { handshakeAgeS: 200 },
    want: 'degraded',
    reason: /handshake/,
  },
  { name: 'a heartbeat dated in the future', input: { heartbeatAt: ago(-30) }, want: 'healthy' },
  {
    name: "the master's WireGuard lists the enrolled worker's peer",
    input: { peerMissing: false },
    want: 'healthy',
  },
  {
    name: "the master's WireGuard lacks the peer of a worker that reported 10 s ago",
    input: { peerMissing: true },
    want: 'down',
    reason: /^WireGuard peer missing on the master$/,
  },
  {
    name: "the master's WireGuard lacks the peer of a worker that has not reported yet",
    input: { peerMissing: true, heartbeatAt: null, apply: null, services: null },
    want: 'down',
    reason: /^WireGuard peer missing on the master$/,
  },
  {
    name: "the master's WireGuard lacks the peer and the worker has been silent 200 s",
    input: { peerMissing: true, heartbeatAt: ago(200) },
    want: 'down',
    reason: /^WireGuard peer missing on the master; no heartbeat for 200 s$/,
  },
];

describe('computeHealth', () => {
  it.each(cases)('when $name, then the project is $want', ({ input, want, reason }) => {
    const h = computeHealth({ ...base, ...input });
    expect(h.state).toBe(want);
    if (reason) expect(h.reasons.join('; ')).toMatch(reason);
    if (want === 'healthy') expect(h.reasons).toEqual([]);
  });
});

describe('computeHealth with a missing WireGuard peer', () => {
  it('when the peer is missing, then the heartbeat age and running revision are still reported', () => {
    const h = computeHealth({ ...base, heartbeatAt: ago(42), peerMissing: true });
    expect(h).toEqual({
      state: 'down',
      reasons: [PEER_MISSING_REASON],
      heartbeatAgeS: 42,
      appliedRevision: 3,
    });
  });
});

describe('badgeFor', () => {
  it('when a project is healthy, then the badge has exactly the shields endpoint keys', () => {
    expect(badgeFor('acme', 'healthy')).toEqual({
      schemaVersion: 1,
      label: 'acme',
      message: 'healthy',
      color: 'brightgreen',
      cacheSeconds: 300,
    });
  });

  it('when a project is down, then the badge is marked as an error', () => {
    expect(badgeFor('acme', 'down')).toMatchObject({ message: 'down', color: 'red', isError: true });
  });
});
