/**
 * What the Supavisor fake's upstream stand-in assumes of a worker database, checked on a real
 * PostgreSQL 15: `pgbouncer.get_auth($1)`, as the supabase/postgres image installs it, hands the
 * `pgbouncer` manager the secret of any login role, in the SCRAM form Supavisor parses
 * (supabase/supavisor v2.7.4 lib/supavisor/helpers.ex:96-131), and that secret belongs to the
 * password the role was given (the worker's roles.sql:14 sets pgbouncer's from PGBOUNCER_PASSWORD).
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_FILES } from '../../cloud-init/test/fixtures/supabase-postgres-image.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../test/support/postgres.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping the get_auth contract test: ${skip}`);

/**
 * The rest of the image's init-scripts/00-schema.sql (supabase/postgres
 * ansible/files/pgbouncer_config/pgbouncer_auth_schema.sql:7-20, installed by Dockerfile-15:191),
 * transcribed: a SECURITY DEFINER function over pg_shadow, executable by pgbouncer only.
 */
const GET_AUTH = `
CREATE FUNCTION pgbouncer.get_auth(p_usename TEXT) RETURNS TABLE(username TEXT, password TEXT)
  LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  RETURN QUERY SELECT usename::TEXT, passwd::TEXT FROM pg_catalog.pg_shadow WHERE usename = p_usename;
END $$;
REVOKE ALL ON FUNCTION pgbouncer.get_auth(TEXT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbouncer.get_auth(TEXT) TO pgbouncer;
`;

/** helpers.ex:117: `<digest>$<iterations>:<salt>$<stored_key>:<server_key>`. */
const SCRAM = /^(.+)\$(\d+):(.+)\$(.+):(.+)$/;

/** Whether a SCRAM-SHA-256 secret was made from this password (RFC 5802 StoredKey). */
function scramMatches(secret: string, password: string): boolean {
  const m = SCRAM.exec(secret);
  if (!m) return false;
  const salted = pbkdf2Sync(password, Buffer.from(m[3]!, 'base64'), Number(m[2]), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return createHash('sha256').update(clientKey).digest('base64') === m[4];
}

describe.skipIf(skip !== undefined)(
  'pgbouncer.get_auth on PostgreSQL 15 (the upstream the fake stands in for)',
  () => {
    let server: TestPostgres;
    let asPgbouncer: pg.Client;
    const PGB = 'pgbouncer-password-for-the-contract';
    const PG_PW = 'postgres-password-for-the-contract';

    beforeAll(async () => {
      server = await startPostgres();
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      try {
        const schema = IMAGE_FILES.find((f) => f.dir === 'init-scripts' && f.name === '00-schema.sql')!;
        await admin.query(schema.sql);
        await admin.query(GET_AUTH);
        // roles.sql:14 and migrate.sh's postgres password, with PostgreSQL 15's default scram-sha-256
        await admin.query(`ALTER ROLE pgbouncer WITH PASSWORD '${PGB}'`);
        await admin.query(`ALTER ROLE postgres WITH PASSWORD '${PG_PW}'`);
        await admin.query('CREATE ROLE app_user LOGIN');
      } finally {
        await admin.end();
      }
      asPgbouncer = new pg.Client({ connectionString: server.url.replace('postgres@', 'pgbouncer@') });
      await asPgbouncer.connect();
    });
    afterAll(async () => {
      await asPgbouncer?.end();
      await server?.stop();
    });

    const getAuth = async (user: string) =>
      (
        await asPgbouncer.query<{ username: string; password: string | null }>(
          'SELECT * FROM pgbouncer.get_auth($1)',
          [user],
        )
      ).rows;

    it('when the manager asks for itself, then it gets one row of two columns with a SCRAM secret of its password (what a tenant create checks)', async () => {
      const rows = await getAuth('pgbouncer');
      expect(rows).toHaveLength(1);
      expect(rows[0]!.username).toBe('pgbouncer');
      expect(rows[0]!.password).toMatch(/^SCRAM-SHA-256\$/);
      expect(scramMatches(rows[0]!.password!, PGB)).toBe(true);
      expect(scramMatches(rows[0]!.password!, 'wrong')).toBe(false);
    });

    it('when a client logs in as postgres.<project>, then the secret Supavisor checks is the postgres password', async () => {
      const [row] = await getAuth('postgres');
      expect(scramMatches(row!.password!, PG_PW)).toBe(true);
    });

    it('when the role has no password or does not exist, then there is no secret or no row (Supavisor refuses: helpers.ex:105-107, :138-140)', async () => {
      expect(await getAuth('app_user')).toEqual([{ username: 'app_user', password: null }]);
      expect(await getAuth('nobody')).toEqual([]);
    });

    it('when a role other than pgbouncer calls it, then PostgreSQL refuses (only the manager may read secrets)', async () => {
      const other = new pg.Client({ connectionString: server.url.replace('postgres@', 'app_user@') });
      await other.connect();
      try {
        await expect(other.query("SELECT * FROM pgbouncer.get_auth('postgres')")).rejects.toThrow(
          /permission denied/,
        );
      } finally {
        await other.end();
      }
    });
  },
);
