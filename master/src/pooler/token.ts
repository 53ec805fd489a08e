import { createHmac } from 'node:crypto';
import type { Secret } from '../../../core/seal/index.ts';

/** Seconds a management token lives; the client mints a fresh one per call. */
export const TOKEN_TTL_S = 300;

const b64url = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * A bearer token for Supavisor's management API: an HS256 JWT signed with Supavisor's
 * `API_JWT_SECRET`. Supavisor 2.7.4 wants a JSON header with `typ: "JWT"` and an HS algorithm
 * (lib/supavisor/jwt.ex:98-102) and checks `exp` (jwt.ex:31-36); no other claim is required
 * unless `JWT_CLAIM_VALIDATORS` asks for one (the master stack sets none).
 */
export function supavisorApiToken(secret: Secret, now: Date, ttlS = TOKEN_TTL_S): string {
  const iat = Math.floor(now.getTime() / 1000);
  const head = b64url({ alg: 'HS256', typ: 'JWT' });
  const claims = b64url({ iat, exp: iat + ttlS, role: 'supafleet-master' });
  const sig = createHmac('sha256', secret.reveal()).update(`${head}.${claims}`).digest('base64url');
  return `${head}.${claims}.${sig}`;
}
