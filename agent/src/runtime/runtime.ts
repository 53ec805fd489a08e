/** A service's container as the runtime sees it. */
export interface ServiceStatus {
  /** Compose service name. */
  readonly name: string;
  /** Container state: running, exited, restarting, created, paused, dead, or missing. */
  readonly state: string;
  /** The container's own health check: healthy, unhealthy, starting, or none. */
  readonly health: 'healthy' | 'unhealthy' | 'starting' | 'none';
  /** Exit code of a stopped container, when known. */
  readonly exitCode?: number;
}

/**
 * Runs the stack. The real one drives `docker compose`; the process runtime
 * runs stand-ins for tests and the demo. Errors name the service and what
 * failed, and carry no secret values.
 */
export interface Runtime {
  /** Brings the stack in `dir` up; only services whose definition changed restart; services no longer defined stop. */
  up(dir: string): Promise<void>;
  /** Every service's container state and health. */
  ps(): Promise<ServiceStatus[]>;
  /** Restarts one service, or all when `service` is undefined. */
  restart(service?: string): Promise<void>;
  /** Releases what the runtime holds in this process (the stack keeps running under Docker). */
  close(): Promise<void>;
}

/** Compose service names: what may be passed to a runtime as an argument. */
export const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
