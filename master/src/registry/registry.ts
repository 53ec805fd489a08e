import pg from 'pg';
import { Queries } from './queries.ts';

/** SQLSTATE codes the master branches on. */
export const SQLSTATE = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

/** The registry on a pg Pool: statements on the pool, or several in one transaction. */
export class Registry extends Queries {
  constructor(readonly pool: pg.Pool) {
    super(pool);
  }

  /** Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. */
  async tx<T>(fn: (q: Queries) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const result = await fn(new Queries(client));
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** A pool for the registry database. */
export function createPool(url: string, max = 10): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
}

/** True when `err` is a Postgres error with this SQLSTATE. */
export function isSqlState(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
