import type { IncomingMessage } from 'node:http';
import { normalizeAddress } from './agent.ts';

function isLoopback(addr: string): boolean {
  return addr === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(addr);
}

/**
 * A caller on this host that did not come through a proxy: a loopback source address and no
 * forwarding header. Caddy always sets X-Forwarded-For, so nothing from the internet qualifies.
 */
export function isDirectLoopback(req: IncomingMessage): boolean {
  return (
    isLoopback(normalizeAddress(req.socket.remoteAddress)) &&
    req.headers['x-forwarded-for'] === undefined &&
    req.headers.forwarded === undefined
  );
}
