/** The smoke check of one project: what it needs, and what it reports. */

/** Where a failure sits on the data path, from the client outwards. */
export type SmokeLayer =
  /** the project's host name does not resolve */
  | 'dns'
  /** no TLS connection to the master's edge (Caddy): refused, reset, or a certificate that does not verify */
  | 'tls'
  /** Kong answered itself: no route for the host and path, or the key was refused (key-auth, ACL) */
  | 'kong-route'
  /** the worker's service answered with an error, or Kong could not reach it over WireGuard (502/503/504) */
  | 'worker-service'
  /** the answer made it through, but not the one expected (a check of the smoke itself) */
  | 'check';

/** The project's API and keys (the master's credentials endpoint, or the environment). */
export interface SmokeTarget {
  /** https://<subdomain>.<domain> */
  readonly url: string;
  readonly anonKey: string;
  readonly serviceRoleKey: string;
}

export interface SmokeOptions {
  readonly project: string;
  readonly target: SmokeTarget;
  /** Each step's time limit (default 15 s). */
  readonly stepTimeoutMs?: number;
  /** Connect to this address and port instead of what DNS answers (curl's --resolve). */
  readonly resolve?: { readonly address: string; readonly port: number };
  /** Extra trusted CA certificate(s), PEM (e.g. a test CA). */
  readonly ca?: string;
  /** Milliseconds, for step timings (default Date.now). */
  readonly now?: () => number;
  /** Random bytes as hex, for names of what the smoke creates (default crypto). */
  readonly randomHex?: (bytes: number) => string;
}

export interface SmokeStep {
  /** e.g. `auth: create user` */
  readonly name: string;
  readonly outcome: 'ok' | 'failed' | 'skipped';
  readonly ms: number;
  /** When failed: where. */
  readonly layer?: SmokeLayer;
  /** When failed or skipped: why (never a secret). */
  readonly detail?: string;
}

export interface SmokeReport {
  readonly project: string;
  readonly url: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly steps: readonly SmokeStep[];
}
