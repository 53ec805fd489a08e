/**
 * The `rest` stand-in: the subset of PostgREST that @supabase/postgrest-js uses
 * for select, insert and delete, run on the worker's real Postgres. See
 * README.md for the subset and its sources.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import type { StandinConfig } from './config.ts';
import { createPool, quoteIdent } from './db.ts';
import { bearer, readJson, sendJson } from './http.ts';
import { verifyJwt, type Claims } from './jwt.ts';

/** A PostgREST error body: `{code, details, hint, message}`. */
interface ApiError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: string | null;
  readonly hint?: string | null;
}

class RestError extends Error {
  constructor(readonly body: ApiError) {
    super(body.message);
  }
}

const OPS: Readonly<Record<string, string>> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  like: 'like',
  ilike: 'ilike',
};
const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function ident(name: string, what: string): string {
  if (!IDENT.test(name)) {
    throw new RestError({ status: 400, code: 'PGRST100', message: `"${name}" is not a plain ${what} name` });
  }
  return quoteIdent(name);
}

/** The WHERE clause of the horizontal filters (`col=op.value`), with parameters from `params`. */
export function whereClause(query: URLSearchParams, params: unknown[]): string {
  const parts: string[] = [];
  for (const [key, raw] of query) {
    if (RESERVED.has(key)) continue;
    const col = ident(key, 'column');
    const negate = raw.startsWith('not.');
    const value = negate ? raw.slice(4) : raw;
    const dot = value.indexOf('.');
    const op = dot < 0 ? '' : value.slice(0, dot);
    const operand = dot < 0 ? '' : value.slice(dot + 1);
    let sql: string;
    if (op in OPS) {
      params.push(operand);
      sql = `${col} ${OPS[op]} $${params.length}`;
    } else if (op === 'is') {
      const v = { null: 'null', true: 'true', false: 'false' }[operand.toLowerCase()];
      if (!v)
        throw new RestError({
          status: 400,
          code: 'PGRST100',
          message: `is.${operand} is not null, true or false`,
        });
      sql = `${col} is ${v}`;
    } else if (op === 'in' && /^\(.*\)$/.test(operand)) {
      const items = operand
        .slice(1, -1)
        .split(',')
        .map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
      const refs = items.map((item) => {
        params.push(item);
        return `$${params.length}`;
      });
      sql = refs.length === 0 ? 'false' : `${col} in (${refs.join(', ')})`;
    } else {
      throw new RestError({
        status: 400,
        code: 'PGRST100',
        message: `"failed to parse filter (${raw})" (line 1, column 1)`,
      });
    }
    parts.push(negate ? `not (${sql})` : sql);
  }
  return parts.length === 0 ? '' : ` where ${parts.join(' and ')}`;
}

/** The select list: `*` or plain column names (no embedding, renames or casts). */
export function selectList(select: string | null): string {
  if (select === null || select.trim() === '' || select.trim() === '*') return '*';
  return select
    .split(',')
    .map((c) => ident(c.trim(), 'column'))
    .join(', ');
}

function orderClause(order: string | null): string {
  if (!order) return '';
  const parts = order.split(',').map((term) => {
    const [col, ...mods] = term.split('.');
    const dir = mods.includes('desc') ? ' desc' : mods.includes('asc') ? ' asc' : '';
    const nulls = mods.includes('nullsfirst')
      ? ' nulls first'
      : mods.includes('nullslast')
        ? ' nulls last'
        : '';
    return `${ident(col ?? '', 'column')}${dir}${nulls}`;
  });
  return ` order by ${parts.join(', ')}`;
}

function limitClause(query: URLSearchParams): string {
  const limit = query.get('limit');
  const offset = query.get('offset');
  const n = (v: string) => {
    if (!/^\d+$/.test(v))
      throw new RestError({ status: 400, code: 'PGRST100', message: `"${v}" is not a number` });
    return v;
  };
  return `${limit ? ` limit ${n(limit)}` : ''}${offset ? ` offset ${n(offset)}` : ''}`;
}

/**
 * PostgREST's HTTP status for a Postgres error, as PostgREST v14.5 maps a server error
 * (src/PostgREST/Error.hs:588-636, `pgErrorStatus`); any other failure (no SQLSTATE) is 500.
 * The PGRST/PT codes of `raise` are not modelled (500).
 */
export function pgErrorStatus(code: string | undefined, authenticated: boolean, message = ''): number {
  if (code === undefined) return 500;
  const exact: Record<string, number> = {
    '23503': 409,
    '23505': 409,
    '25006': 405,
    '53400': 500,
    '57P01': 503,
    P0001: 400,
    '42P01': 404,
    '42P17': 500,
  };
  if (code === '21000') return message.endsWith('requires a WHERE clause') ? 400 : 500;
  if (code === '22023') return message.startsWith('role') && message.endsWith('does not exist') ? 401 : 400;
  if (code === '42883') return message.startsWith('function xmlagg(') ? 406 : 404;
  if (code === '42501') return authenticated ? 403 : 401;
  if (exact[code] !== undefined) return exact[code]!;
  const byClass: Record<string, number> = {
    '08': 503,
    '09': 500,
    '0L': 403,
    '0P': 403,
    '25': 500,
    '28': 403,
    '2D': 500,
    '38': 500,
    '39': 500,
    '3B': 500,
    '40': 500,
    '53': 503,
    '54': 500,
    '55': 500,
    '57': 500,
    '58': 500,
    F0: 500,
    HV: 500,
    P0: 500,
    XX: 500,
    PT: 500,
    PG: 500,
  };
  return byClass[code.slice(0, 2)] ?? 400;
}

function prefer(req: IncomingMessage): Set<string> {
  return new Set(
    String(req.headers.prefer ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

export function createRestHandler(config: StandinConfig): {
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  close: () => Promise<void>;
} {
  const pool: pg.Pool | undefined = config.dbUrl ? createPool(config.dbUrl) : undefined;
  const identity = {
    service: 'rest',
    project: config.project,
    revision: config.revision,
    stand_in: true,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://rest');
    if (url.pathname === '/' || url.pathname === '') return sendJson(res, 200, identity);
    try {
      if (!pool) throw new RestError({ status: 503, code: 'PGRST000', message: 'no database configured' });
      // the role: from the JWT's role claim, anon without a token (PGRST_DB_ANON_ROLE)
      const token = bearer(req);
      let claims: Claims = { role: 'anon' };
      if (token !== undefined) {
        const verified = verifyJwt(token, config.jwtSecret);
        if (!verified)
          throw new RestError({ status: 401, code: 'PGRST301', message: 'JWSError JWSInvalidSignature' });
        claims = verified;
      }
      const role = typeof claims.role === 'string' ? claims.role : 'anon';
      const method = req.method ?? 'GET';
      const reading = method === 'GET' || method === 'HEAD';
      const profile = String(
        req.headers[reading ? 'accept-profile' : 'content-profile'] ?? config.dbSchemas[0],
      );
      if (!config.dbSchemas.includes(profile)) {
        throw new RestError({
          status: 406,
          code: 'PGRST106',
          message: `The schema must be one of the following: ${config.dbSchemas.join(', ')}`,
        });
      }
      const tableName = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
      const table = `${ident(profile, 'schema')}.${ident(tableName, 'table')}`;
      const single = String(req.headers.accept ?? '').includes('application/vnd.pgrst.object+json');
      const prefs = prefer(req);
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query(`set local role ${quoteIdent(role)}`);
        await client.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
        const found = await client.query('select to_regclass($1) is not null as ok', [table]);
        if (!found.rows[0].ok) {
          throw new RestError({
            status: 404,
            code: 'PGRST205',
            message: `Could not find the table '${profile}.${tableName}' in the schema cache`,
            details: null,
            hint: null,
          });
        }
        const params: unknown[] = [];
        const cols = selectList(url.searchParams.get('select'));
        let sql: string;
        let status = 200;
        let returns = true;
        if (reading) {
          sql =
            `select coalesce(json_agg(_r), '[]'::json) as body from (select ${cols} from ${table}` +
            `${whereClause(url.searchParams, params)}${orderClause(url.searchParams.get('order'))}` +
            `${limitClause(url.searchParams)}) _r`;
        } else if (method === 'POST') {
          const body = await readJson(req);
          const rows = Array.isArray(body) ? body : [body];
          if (rows.some((r) => typeof r !== 'object' || r === null)) {
            throw new RestError({ status: 400, code: 'PGRST102', message: 'All object keys must match' });
          }
          const keys = [...new Set(rows.flatMap((r) => Object.keys(r as object)))];
          const columns =
            url.searchParams
              .get('columns')
              ?.split(',')
              .map((c) => c.trim()) ?? keys;
          const list = columns.map((c) => ident(c, 'column')).join(', ');
          params.push(JSON.stringify(rows));
          sql =
            `with _w as (insert into ${table} (${list}) select ${list} from ` +
            `json_populate_recordset(null::${table}, $1::json) returning *) ` +
            `select coalesce(json_agg(_r), '[]'::json) as body from (select ${cols} from _w) _r`;
          status = 201;
          returns = prefs.has('return=representation');
        } else if (method === 'DELETE') {
          sql =
            `with _w as (delete from ${table}${whereClause(url.searchParams, params)} returning *) ` +
            `select coalesce(json_agg(_r), '[]'::json) as body from (select ${cols} from _w) _r`;
          returns = prefs.has('return=representation');
          status = returns ? 200 : 204;
        } else {
          throw new RestError({
            status: 405,
            code: 'PGRST117',
            message: `Unsupported HTTP method: ${method}`,
          });
        }
        const out = await client.query(sql, params);
        const rows = out.rows[0].body as unknown[];
        if (single && (reading || returns) && rows.length !== 1) {
          throw new RestError({
            status: 406,
            code: 'PGRST116',
            message: 'JSON object requested, multiple (or no) rows returned',
            details: `The result contains ${rows.length} rows`,
            hint: null,
          });
        }
        await client.query('commit');
        if (!returns) {
          res.writeHead(status === 201 ? 201 : 204, { 'content-length': '0' });
          res.end();
          return;
        }
        sendJson(res, status, single ? rows[0] : rows, {
          'content-range': rows.length === 0 ? '*/*' : `0-${rows.length - 1}/*`,
        });
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        if (err instanceof RestError) throw err;
        const e = err as { code?: string; message: string; detail?: string; hint?: string };
        throw new RestError({
          status: pgErrorStatus(e.code, role !== 'anon', e.message),
          code: e.code ?? 'PGRST000',
          message: e.message,
          details: e.detail ?? null,
          hint: e.hint ?? null,
        });
      } finally {
        client.release();
      }
    } catch (err) {
      if (!(err instanceof RestError)) {
        return sendJson(res, 500, {
          code: 'PGRST000',
          message: (err as Error).message,
          details: null,
          hint: null,
        });
      }
      const { status, ...body } = err.body;
      sendJson(res, status, { details: null, hint: null, ...body });
    }
  };
  return { handle, close: async () => void (await pool?.end()) };
}
