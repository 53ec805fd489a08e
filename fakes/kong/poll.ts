import { KONG_WORKER_STATE_UPDATE_MS } from './proxy.ts';

/** How long a caller waits for an Admin API change to show on the proxy: twice Kong's rebuild period. */
export const KONG_PROPAGATION_TIMEOUT_MS = 2 * KONG_WORKER_STATE_UPDATE_MS;

/**
 * Calls `probe` until `done` accepts its value, and returns that value; after `timeoutMs`
 * (Kong's propagation bound by default) returns the last value, so the caller's assertion shows
 * what the proxy still answered. Kong applies Admin API writes to its proxy within
 * `worker_state_update_frequency` (kong/templates/kong_defaults.lua:186-187 at 3.9.1), so whoever
 * reconciles and then probes polls instead of trusting the next request. Bounded in time and count.
 */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? KONG_PROPAGATION_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  const maxTries = Math.ceil(timeoutMs / intervalMs) + 1;
  let value = await probe();
  for (let i = 1; i < maxTries && !done(value) && Date.now() < deadline; i++) {
    await new Promise((r) => setTimeout(r, intervalMs));
    value = await probe();
  }
  return value;
}

/**
 * True once Kong routed the request: anything but Kong's own router 404 (`no Route matched with
 * those values`, kong/runloop/handler.lua:1197 at 3.9.1), whatever the upstream then answered.
 */
export function routedByKong(r: { status: number; text: string }): boolean {
  return !(r.status === 404 && r.text.includes('no Route matched with those values'));
}
