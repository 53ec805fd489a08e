/** HS256 JWTs as Supabase's services use them (the project's JWT secret signs every key and token). */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Claims = Record<string, unknown> & { role?: string; exp?: number; sub?: string };

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export function signJwt(claims: Claims, secret: string): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** The claims of a valid, unexpired HS256 token signed with `secret`; undefined otherwise. */
export function verifyJwt(token: string | undefined, secret: string, now = Date.now()): Claims | undefined {
  if (!token || !secret) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [head, body, sig] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
    if (header.alg !== 'HS256') return undefined;
    const want = createHmac('sha256', secret).update(`${head}.${body}`).digest();
    const got = Buffer.from(sig, 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims;
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= now) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}
