import type { PostgresPing } from './probes.ts';

/**
 * The real Postgres probe: a fresh connection, `SELECT 1`, closed again;
 * bounded by the timeout. pg is loaded on first use, so an agent without a
 * Postgres probe never carries it in memory.
 */
export const pgPing: PostgresPing = async (t) => {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: t.host,
    port: t.port,
    user: t.user,
    database: t.database,
    password: t.password,
    connectionTimeoutMillis: t.timeoutMs,
    query_timeout: t.timeoutMs,
    statement_timeout: t.timeoutMs,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
};
