import { timingSafeEqual } from 'node:crypto';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import { sha256 } from './api-tokens.ts';

/** Where the agent check looks up a project by its wg address. */
export interface AgentLookup {
  agentByIp(ip: string): Promise<{ name: string; tokenHash: Buffer; revision: number } | undefined>;
}

export interface AgentIdentity {
  readonly project: string;
}

export interface AgentAuthenticator {
  /** Checks the caller's source address and bearer token; returns its project. */
  authenticate(remoteAddress: string | undefined, authorization: string | undefined): Promise<AgentIdentity>;
  /** Drops cached lookups (after a project is changed or deleted). */
  forget(): void;
}

/** `::ffff:10.0.0.2` → `10.0.0.2`. */
export function normalizeAddress(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

/**
 * Agent calls come only from a project's wg address, with that project's agent
 * token. Lookups are cached briefly so the heartbeat path costs one statement.
 */
export function createAgentAuthenticator(
  lookup: AgentLookup,
  opts: { cacheMs?: number; now?: () => number } = {},
): AgentAuthenticator {
  const cacheMs = opts.cacheMs ?? 5000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { name: string; tokenHash: Buffer; until: number }>();
  return {
    async authenticate(remoteAddress, authorization) {
      const m = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(authorization ?? '');
      if (!m)
        throw new UnauthorizedError('missing agent token; expected Authorization: Bearer <agent token>');
      const ip = normalizeAddress(remoteAddress);
      let entry = cache.get(ip);
      if (!entry || entry.until <= now()) {
        const row = await lookup.agentByIp(ip);
        if (!row) {
          cache.delete(ip);
          throw new ForbiddenError(`source address ${ip} is not the wg address of any project`);
        }
        if (cache.size > 10_000) cache.clear();
        entry = { name: row.name, tokenHash: row.tokenHash, until: now() + cacheMs };
        cache.set(ip, entry);
      }
      if (!timingSafeEqual(sha256(m[1]!), entry.tokenHash)) {
        throw new ForbiddenError(
          `the agent token is not the one of project ${entry.name}, whose address this is`,
        );
      }
      return { project: entry.name };
    },
    forget() {
      cache.clear();
    },
  };
}
