/**
 * Where project Studios run: one container each, published on the master's loopback. The real
 * implementation talks to Docker's Engine API (docker.ts); the pool (pool.ts) only sees this.
 */
import type { StudioSettings } from './settings.ts';

export interface StudioPlacement {
  /** Loopback port Studio's 3000 is published on. */
  readonly port: number;
  /** The container's memory limit, in MiB. */
  readonly memoryMb: number;
}

export interface StudioRuntime {
  /** Creates and starts the container, replacing one left over with the same name. */
  start(settings: StudioSettings, at: StudioPlacement): Promise<void>;
  /** Stops and removes the container; a container that is already gone is not an error. */
  remove(container: string): Promise<void>;
  /** The names of the Studio containers that exist, running or not. */
  list(): Promise<string[]>;
}

/** The label every project Studio container carries: its value is the project's name. */
export const STUDIO_LABEL = 'supafleet.studio';
