import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { loadMigrations, migrate } from '../src/registry/migrate.ts';
import { createPool } from '../src/registry/registry.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping registry migration tests: ${skip}`);

describe.skipIf(skip !== undefined)('registry migrations', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('when migrations run twice, then the second run applies nothing and the schema is unchanged', async () => {
    const pool = createPool(await pg.createDatabase('mig_twice'));
    try {
      const all = await loadMigrations();
      const schema = async () =>
        (
          await pool.query(
            `select table_name, column_name, data_type from information_schema.columns
             where table_schema = 'public' order by 1, 2`,
          )
        ).rows;
      expect(await migrate(pool)).toEqual(all.map((m) => m.version));
      const after1 = await schema();
      expect(await migrate(pool)).toEqual([]);
      expect(await schema()).toEqual(after1);
      const tables = new Set(after1.map((r: { table_name: string }) => r.table_name));
      for (const t of [
        'projects',
        'peers',
        'project_secrets',
        'enrollment_tokens',
        'heartbeats',
        'heartbeat_history',
        'backups',
        'commands',
        'audit_log',
        'api_tokens',
      ]) {
        expect(tables).toContain(t);
      }
    } finally {
      await pool.end();
    }
  });

  it('when two runs race, then each migration is applied exactly once', async () => {
    const pool = createPool(await pg.createDatabase('mig_race'));
    try {
      const [a, b] = await Promise.all([migrate(pool), migrate(pool)]);
      expect([...a, ...b].sort()).toEqual((await loadMigrations()).map((m) => m.version));
    } finally {
      await pool.end();
    }
  });

  it('when a migration fails, then its transaction is rolled back and the error names it', async () => {
    const pool = createPool(await pg.createDatabase('mig_fail'));
    try {
      const bad = [
        { version: 1, name: 'broken', sql: 'create table half (id int); select * from no_such_table;' },
      ];
      await expect(migrate(pool, bad)).rejects.toThrow(/migration 001-broken failed/);
      const { rows } = await pool.query(`select to_regclass('public.half') as t`);
      expect(rows[0].t).toBeNull();
    } finally {
      await pool.end();
    }
  });
});
