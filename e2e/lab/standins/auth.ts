/**
 * The `auth` stand-in: the subset of GoTrue (supabase/auth) that @supabase/auth-js
 * uses for the admin user API and the password grant. Users live in memory. See
 * README.md for the subset and its sources.
 */
import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StandinConfig } from './config.ts';
import { bearer, readJson, sendJson } from './http.ts';
import { signJwt, verifyJwt, type Claims } from './jwt.ts';

interface User {
  id: string;
  email: string;
  salt: Buffer;
  hash: Buffer;
  emailConfirmedAt: string | null;
  userMetadata: Record<string, unknown>;
  createdAt: string;
}

/** GoTrue's error body: `{code, error_code, msg}` (supabase/auth v2.186.0 internal/api/apierrors/apierrors.go:49-51). */
function fail(res: ServerResponse, status: number, errorCode: string, msg: string): void {
  sendJson(res, status, { code: status, error_code: errorCode, msg });
}

/** GOTRUE_JWT_ADMIN_ROLES' default (supabase/auth v2.186.0 internal/conf/configuration.go:1087-1088). */
const ADMIN_ROLES = new Set(['service_role', 'supabase_admin']);
const TOKEN_SECONDS = 3600;

export function createAuthHandler(
  config: StandinConfig,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const users = new Map<string, User>();
  const view = (u: User) => ({
    id: u.id,
    aud: 'authenticated',
    role: 'authenticated',
    email: u.email,
    email_confirmed_at: u.emailConfirmedAt,
    phone: '',
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: u.userMetadata,
    identities: [],
    created_at: u.createdAt,
    updated_at: u.createdAt,
    is_anonymous: false,
  });
  const hashOf = (password: string, salt: Buffer) => scryptSync(password, salt, 32);

  /** The admin check of /admin/*: a valid token whose role is an admin role. */
  const admin = (req: IncomingMessage, res: ServerResponse): boolean => {
    const token = bearer(req);
    if (!token) {
      fail(res, 401, 'no_authorization', 'This endpoint requires a valid Bearer token');
      return false;
    }
    const claims = verifyJwt(token, config.jwtSecret);
    if (!claims) {
      fail(res, 403, 'bad_jwt', 'invalid JWT: unable to parse or verify signature');
      return false;
    }
    if (!ADMIN_ROLES.has(String(claims.role))) {
      fail(res, 403, 'not_admin', 'User not allowed');
      return false;
    }
    return true;
  };

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://auth');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'GET' && path === '/health') {
      return sendJson(res, 200, {
        version: 'stand-in',
        name: 'GoTrue',
        description: 'supafleet lab stand-in',
      });
    }
    if (method === 'GET' && path === '/') {
      return sendJson(res, 200, {
        service: 'auth',
        project: config.project,
        revision: config.revision,
        stand_in: true,
      });
    }
    if (method === 'POST' && path === '/admin/users') {
      if (!admin(req, res)) return;
      const body = ((await readJson(req)) ?? {}) as Record<string, unknown>;
      const email = String(body.email ?? '').toLowerCase();
      if (!/^[^@\s]+@[^@\s]+$/.test(email))
        return fail(res, 400, 'validation_failed', 'Unable to validate email address: invalid format');
      if ([...users.values()].some((u) => u.email === email)) {
        return fail(res, 422, 'email_exists', 'A user with this email address has already been registered');
      }
      const password = String(body.password ?? '');
      if (password.length < 6)
        return fail(res, 422, 'weak_password', 'Password should be at least 6 characters.');
      const salt = randomBytes(16);
      const now = new Date().toISOString();
      const user: User = {
        id: randomUUID(),
        email,
        salt,
        hash: hashOf(password, salt),
        emailConfirmedAt: body.email_confirm === true ? now : null,
        userMetadata: (body.user_metadata as Record<string, unknown>) ?? {},
        createdAt: now,
      };
      users.set(user.id, user);
      return sendJson(res, 200, view(user));
    }
    const one = /^\/admin\/users\/([0-9a-f-]{36})$/.exec(path);
    if (one && (method === 'GET' || method === 'DELETE')) {
      if (!admin(req, res)) return;
      const user = users.get(one[1]!);
      if (!user) return fail(res, 404, 'user_not_found', 'User not found');
      if (method === 'DELETE') {
        await readJson(req).catch(() => undefined);
        users.delete(user.id);
      }
      return sendJson(res, 200, view(user));
    }
    if (method === 'POST' && path === '/token' && url.searchParams.get('grant_type') === 'password') {
      const body = ((await readJson(req)) ?? {}) as Record<string, unknown>;
      const email = String(body.email ?? '').toLowerCase();
      const user = [...users.values()].find((u) => u.email === email);
      const given = hashOf(String(body.password ?? ''), user?.salt ?? randomBytes(16));
      if (!user || !timingSafeEqual(given, user.hash)) {
        return fail(res, 400, 'invalid_credentials', 'Invalid login credentials');
      }
      if (!user.emailConfirmedAt) return fail(res, 400, 'email_not_confirmed', 'Email not confirmed');
      const now = Math.floor(Date.now() / 1000);
      const claims: Claims = {
        aud: 'authenticated',
        exp: now + TOKEN_SECONDS,
        iat: now,
        iss: `${config.publicUrl}/auth/v1`,
        sub: user.id,
        email: user.email,
        phone: '',
        app_metadata: { provider: 'email', providers: ['email'] },
        user_metadata: user.userMetadata,
        role: 'authenticated',
        aal: 'aal1',
        amr: [{ method: 'password', timestamp: now }],
        session_id: randomUUID(),
        is_anonymous: false,
      };
      return sendJson(res, 200, {
        access_token: signJwt(claims, config.jwtSecret),
        token_type: 'bearer',
        expires_in: TOKEN_SECONDS,
        expires_at: now + TOKEN_SECONDS,
        refresh_token: randomBytes(12).toString('base64url'),
        user: view(user),
      });
    }
    if (method === 'POST' && path === '/token') {
      return fail(res, 400, 'validation_failed', 'unsupported_grant_type');
    }
    if (method === 'GET' && path === '/user') {
      const claims = verifyJwt(bearer(req), config.jwtSecret);
      const user = claims?.sub ? users.get(claims.sub) : undefined;
      if (!user) return fail(res, 403, 'bad_jwt', 'invalid JWT: unable to parse or verify signature');
      return sendJson(res, 200, view(user));
    }
    if (method === 'POST' && path === '/logout') {
      if (!verifyJwt(bearer(req), config.jwtSecret))
        return fail(res, 401, 'no_authorization', 'This endpoint requires a valid Bearer token');
      res.writeHead(204, { 'content-length': '0' });
      return void res.end();
    }
    fail(res, 404, 'not_found', 'Not Found');
  };
}
