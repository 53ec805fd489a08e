import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { SQL } from './queries.ts';

/** Where the numbered migrations live: `NNN-name.sql`. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const FILE_RE = /^(\d{3})-([a-z0-9-]+)\.sql$/;

/** Reads the migrations in version order; refuses gaps, duplicates and stray files. */
export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = FILE_RE.exec(file);
    if (!m)
      throw new Error(`migration file "${file}" is misnamed; expected NNN-name.sql (e.g. 002-add-x.sql)`);
    const version = Number(m[1]);
    if (version !== out.length + 1) {
      throw new Error(
        `migration "${file}" has version ${version}; expected ${out.length + 1} (no gaps or duplicates)`,
      );
    }
    out.push({ version, name: m[2]!, sql: await readFile(`${dir}/${file}`, 'utf8') });
  }
  return out;
}

/**
 * Applies pending migrations, each in its own transaction under an advisory
 * lock, so concurrent runs apply each migration once and a re-run is a no-op.
 * Returns the versions it applied.
 */
export async function migrate(pool: pg.Pool, migrations?: readonly Migration[]): Promise<number[]> {
  const list = migrations ?? (await loadMigrations());
  const applied: number[] = [];
  const client = await pool.connect();
  try {
    for (const m of list) {
      await client.query('begin');
      try {
        await client.query(SQL.migrationLock);
        await client.query(SQL.migrationTable);
        const done = await client.query(SQL.migrationApplied, [m.version]);
        if (done.rowCount === 0) {
          await client.query(m.sql);
          await client.query(SQL.migrationRecord, [m.version, m.name]);
          applied.push(m.version);
        }
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(
          `migration ${String(m.version).padStart(3, '0')}-${m.name} failed: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
    }
  } finally {
    client.release();
  }
  return applied;
}
