import type { HeartbeatApply, HeartbeatService } from './registry/queries.ts';

/** A project's health, as DESIGN §5 names the states. */
export type HealthState = 'provisioning' | 'healthy' | 'degraded' | 'down' | 'failed';

/** A heartbeat younger than this counts as fresh. */
export const FRESH_S = 90;
/** No heartbeat for this long: down. */
export const DOWN_S = 180;
/** A project that never reported this long after creation or enrollment has failed to come up. */
export const PROVISIONING_TIMEOUT_S = 30 * 60;
/** The reason of an enrolled project whose peer the master's WireGuard interface does not list. */
export const PEER_MISSING_REASON = 'WireGuard peer missing on the master';

export interface HealthInput {
  readonly now: Date;
  /** When the project was created (or last enrolled, whichever is later). */
  readonly since: Date;
  readonly desiredRevision: number;
  readonly heartbeatAt: Date | null;
  readonly apply: HeartbeatApply | null;
  readonly services: readonly HeartbeatService[] | null;
  /** Seconds since the master's last WireGuard handshake with the worker, when known. */
  readonly handshakeAgeS?: number | null;
  /**
   * True when the project is enrolled and the master's (readable) WireGuard peer list lacks its
   * peer: the worker is cut off whatever it last reported. Absent or false when the list could
   * not be read or WireGuard is not managed.
   */
  readonly peerMissing?: boolean;
}

export interface Health {
  readonly state: HealthState;
  /** Why the state is not healthy (no secrets, no addresses). */
  readonly reasons: readonly string[];
  readonly heartbeatAgeS: number | null;
  readonly appliedRevision: number | null;
}

/**
 * Health from the WireGuard peer, heartbeat age, service states and applied vs desired revision.
 * Pure. Order matters: a worker the master has no peer for (down, whatever it last reported),
 * then no report at all (provisioning, or failed after the timeout), then a silent worker
 * (down), then an apply that failed on the desired revision (failed), then the softer signs
 * (degraded).
 */
export function computeHealth(h: HealthInput): Health {
  const ageOf = (d: Date): number => Math.max(0, Math.floor((h.now.getTime() - d.getTime()) / 1000));
  if (h.peerMissing === true) {
    const age = h.heartbeatAt ? ageOf(h.heartbeatAt) : null;
    const silent = age !== null && age >= DOWN_S ? [`no heartbeat for ${age} s`] : [];
    return result('down', [PEER_MISSING_REASON, ...silent], age, appliedOf(h.apply));
  }
  if (!h.heartbeatAt) {
    const waited = ageOf(h.since);
    if (waited > PROVISIONING_TIMEOUT_S) {
      return result('failed', [`no heartbeat ${Math.floor(waited / 60)} minutes after creation`], null, null);
    }
    return result('provisioning', ['waiting for the first heartbeat'], null, null);
  }
  const age = ageOf(h.heartbeatAt);
  const apply = h.apply ?? { state: 'none' as const, revision: 0 };
  const applied = appliedOf(h.apply);
  if (age >= DOWN_S) return result('down', [`no heartbeat for ${age} s`], age, applied);

  if (apply.state === 'failed' && apply.revision >= h.desiredRevision) {
    return result('failed', [`revision ${apply.revision} failed to apply`], age, applied);
  }
  if (applied === null) {
    return result(
      'provisioning',
      [`revision ${h.desiredRevision} not applied yet (${apply.state})`],
      age,
      null,
    );
  }

  const reasons: string[] = [];
  if (age >= FRESH_S) reasons.push(`last heartbeat ${age} s ago`);
  if (applied < h.desiredRevision) reasons.push(`running revision ${applied} of ${h.desiredRevision}`);
  if (apply.state === 'failed') reasons.push(`revision ${apply.revision} failed to apply`);
  const services = h.services ?? [];
  if (services.length === 0) reasons.push('no services reported');
  for (const s of services) {
    if (s.state !== 'healthy') reasons.push(`${s.name} ${s.state}`);
  }
  if (h.handshakeAgeS !== undefined && h.handshakeAgeS !== null && h.handshakeAgeS >= DOWN_S) {
    reasons.push(`WireGuard handshake ${h.handshakeAgeS} s ago`);
  }
  return result(reasons.length === 0 ? 'healthy' : 'degraded', reasons, age, applied);
}

/** The revision the worker runs, from its last apply report; null when none runs yet. */
function appliedOf(apply: HeartbeatApply | null): number | null {
  if (!apply) return null;
  const running = apply.state === 'applied' ? apply.revision : (apply.running_revision ?? 0);
  return running > 0 ? running : null;
}

function result(state: HealthState, reasons: string[], age: number | null, applied: number | null): Health {
  return { state, reasons, heartbeatAgeS: age, appliedRevision: applied };
}
