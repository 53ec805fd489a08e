import { jwtVerify, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  API_KEY_LIFETIME_S,
  completeProjectSecrets,
  generateProjectSecrets,
  secretValues,
  type StoredProjectSecrets,
} from './generate.ts';

describe('generateProjectSecrets', () => {
  it('when generated, then every value has the length and alphabet the stack expects', async () => {
    const s = await generateProjectSecrets(new Date('2026-01-01T00:00:00Z'));
    const hexOf = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);
    expect(s.jwt_secret).toMatch(hexOf(40));
    expect(s.postgres_password).toMatch(hexOf(32));
    for (const p of Object.values(s.role_passwords)) expect(p).toMatch(hexOf(32));
    expect(s.realtime_db_enc_key).toHaveLength(16);
    expect(s.secret_key_base).toMatch(hexOf(64));
    expect(s.vault_enc_key).toMatch(hexOf(32));
    expect(s.pg_meta_crypto_key).toMatch(hexOf(32));
    expect(s.logflare_api_key).toMatch(hexOf(32));
    expect(s.restic_password).toMatch(hexOf(48));
    expect(s.s3_protocol_access_key_id).toMatch(hexOf(32));
    expect(s.s3_protocol_access_key_secret).toMatch(hexOf(64));
    expect(s.agent_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.command_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each(['anon', 'service_role'] as const)(
    'when the %s key is verified with the JWT secret, then it is HS256 {role, iss: supabase, iat, exp: iat + 5 years}',
    async (role) => {
      const now = new Date('2026-01-01T00:00:00Z');
      const s = await generateProjectSecrets(now);
      const token = role === 'anon' ? s.anon_key : s.service_role_key;
      expect(decodeProtectedHeader(token).alg).toBe('HS256');
      const { payload } = await jwtVerify(token, new TextEncoder().encode(s.jwt_secret), {
        algorithms: ['HS256'],
        currentDate: now,
      });
      const iat = now.getTime() / 1000;
      expect(payload).toEqual({ role, iss: 'supabase', iat, exp: iat + API_KEY_LIFETIME_S });
    },
  );

  it('when generated twice, then no value repeats', async () => {
    const a = secretValues(await generateProjectSecrets());
    const b = secretValues(await generateProjectSecrets());
    expect(new Set([...a, ...b]).size).toBe(a.length + b.length);
  });
});

describe('completeProjectSecrets', () => {
  it('when a project was stored before the S3-protocol keys existed, then they are generated and named as added', async () => {
    const {
      s3_protocol_access_key_id: _id,
      s3_protocol_access_key_secret: _secret,
      ...old
    } = await generateProjectSecrets();
    const stored: StoredProjectSecrets = old;
    const { secrets, added } = completeProjectSecrets(stored);
    expect(added).toEqual(['s3_protocol_access_key_id', 's3_protocol_access_key_secret']);
    expect(secrets.s3_protocol_access_key_id).toMatch(/^[0-9a-f]{32}$/);
    expect(secrets.s3_protocol_access_key_secret).toMatch(/^[0-9a-f]{64}$/);
    expect(secrets).toMatchObject(old);
  });

  it('when every secret is stored, then nothing is added and nothing changes', async () => {
    const full = await generateProjectSecrets();
    const { secrets, added } = completeProjectSecrets(full);
    expect(added).toEqual([]);
    expect(secrets).toEqual(full);
  });
});
