/**
 * Memory limits for a stack's services, sized from the server type: the server's
 * memory minus a reserve for the OS, shared out by fixed weights.
 */
import { serverType } from '../../core/catalogue/catalogue.ts';

/** Memory kept for the kernel, sshd, Docker and page cache, in MiB. */
const OS_RESERVE_MB = 512;

export function memoryLimits<K extends string>(
  type: string,
  weights: Readonly<Record<K, number>>,
): Record<K, string> {
  const st = serverType(type);
  if (!st)
    throw new Error(
      `server.type: ${JSON.stringify(type)} is not in the catalogue (core/catalogue/hetzner.json)`,
    );
  const available = Math.max(st.memory_gb * 1024 - OS_RESERVE_MB, 512);
  const total = Object.values<number>(weights).reduce((a, b) => a + b, 0);
  const out = {} as Record<K, string>;
  for (const k of Object.keys(weights).sort() as K[]) {
    out[k] = `${Math.max(64, Math.floor((available * weights[k]) / total))}m`;
  }
  return out;
}

/** Postgres shared_buffers: a quarter of the database container's limit. */
export function sharedBuffers(limit: string): string {
  return `${Math.max(32, Math.floor(Number.parseInt(limit, 10) / 4))}MB`;
}
