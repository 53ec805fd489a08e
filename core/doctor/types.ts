/**
 * `supafleet doctor`: what it observes of a live fleet, and what it reports. The observations
 * come from the probes (probes.ts, real I/O); the report from diagnose.ts (pure).
 */
import type { FleetRead } from '../fleet-status/read.ts';

/** The layers of the path from an app to a project's services, in the order doctor checks them. */
export const DOCTOR_LAYERS = [
  'dns',
  'certificate',
  'master-api',
  'kong',
  'wireguard',
  'worker',
  'services',
] as const;
export type DoctorLayer = (typeof DOCTOR_LAYERS)[number];

/** What a name lookup gave: the addresses, or the resolver's error code. */
export type DnsSeen =
  { readonly addresses: readonly string[] } | { readonly error: string; readonly code?: string };

/** What a TLS handshake with a host showed of its certificate. */
export type TlsSeen =
  | {
      /** The chain verifies against the trusted CAs. */
      readonly authorized: boolean;
      /** Why it does not (Node's code, e.g. CERT_HAS_EXPIRED), when it does not. */
      readonly authorizationError?: string;
      /** The certificate names the host (RFC 6125, node:tls checkServerIdentity). */
      readonly nameMatches: boolean;
      readonly validFrom: string;
      readonly validTo: string;
      readonly issuer: string;
    }
  | { readonly error: string; readonly code?: string };

/** What a project host answered to `GET /rest/v1/` without a key. */
export type KongSeen =
  | {
      readonly status: number;
      /** `Server` header: Kong's own answers carry `kong/<version>`. */
      readonly server?: string;
      /** `Via` header: what Kong proxied carries `1.1 kong/<version>`. */
      readonly via?: string;
      readonly upstreamLatency?: string;
      /** The answer's `message` (Kong's error texts), at most 200 characters. */
      readonly message?: string;
    }
  | { readonly error: string; readonly code?: string };

export interface DoctorObservations {
  /** The master URL's origin, e.g. https://fleet.example.com. */
  readonly masterUrl: string;
  /** The master API as read with the operator token. */
  readonly master: FleetRead;
  /** Host → lookup. DNS was not asked when `connectTo` is set (every connection goes there). */
  readonly dns: ReadonlyMap<string, DnsSeen>;
  /** The master's address as the operator gave it (--master-address); else what the master URL's host resolves to. */
  readonly masterAddress?: string;
  readonly connectTo?: { readonly address: string; readonly port: number };
  /** Host → handshake (https hosts only). */
  readonly tls: ReadonlyMap<string, TlsSeen>;
  /** Project name → its host's answer. */
  readonly kong: ReadonlyMap<string, KongSeen>;
  /** The moment of the observations, to judge certificate lifetimes. */
  readonly now: Date;
  /** Limit to one project. */
  readonly project?: string;
}

export interface DoctorCheck {
  readonly layer: DoctorLayer;
  /** The host or project the check is about. */
  readonly subject: string;
  readonly outcome: 'ok' | 'failed' | 'skipped';
  /** One line: why (never a secret). */
  readonly detail: string;
  /** When failed: what to do, naming the concrete value (the host, the record, the command). */
  readonly fix?: string;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly master: string;
  /** The first failed check, in layer order. */
  readonly firstBroken?: DoctorCheck;
  readonly checks: readonly DoctorCheck[];
}
