import { randomBytes, randomUUID } from 'node:crypto';
import { ENDPOINT_KEY, NESTED_COLLECTIONS, validateEntity } from './schema.ts';
import type { KongEntityMap, KongKind } from '../../master/src/kong/types.ts';
import { KONG_KINDS } from '../../master/src/kong/types.ts';
import { isUuid } from '../../master/src/kong/uuid.ts';

/**
 * The fake Kong's database and Admin API semantics, without HTTP: entities per kind, unique
 * constraints, foreign keys with Kong's cascades, tag filters and pagination. `handle` maps a
 * request to a response the way Kong 3.9 does for the calls supafleet makes.
 */

export interface FakeRequest {
  method: string;
  /** Path without the query string, e.g. `/services/acme-rest/routes`. */
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body, or undefined when there was none. */
  body: unknown;
}

/** A response as Kong sends it: status and JSON text (null for 204). */
export interface FakeResponse {
  status: number;
  json: string | null;
}

/** A response before serialisation; bodies may be the store's own rows, so they are serialised at once. */
interface Answer {
  status: number;
  body: unknown;
}

/** A read-only copy of everything the fake holds, per kind, each sorted by id. */
export type FakeKongState = { [K in KongKind]: KongEntityMap[K][] };

type Row = Record<string, unknown> & { id: string };

/** A Kong error answer, thrown inside the store and turned into a response by `handle`. */
class KongFail extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

const notFound = (): KongFail => new KongFail(404, { message: 'Not found' });

/** kong/db/errors.lua:216-262 `schema_violation`: `@entity` messages first, then fields sorted. */
function schemaViolation(fields: Record<string, unknown>): KongFail {
  const flat: string[] = [];
  const entity = fields['@entity'];
  if (Array.isArray(entity)) for (const e of entity) flat.push(String(e));
  for (const k of Object.keys(fields).sort()) {
    if (k === '@entity') continue;
    const v = fields[k];
    if (v !== null && typeof v === 'object') {
      for (const sub of Object.keys(v).sort()) {
        const inner = (v as Record<string, unknown>)[sub];
        flat.push(`${k}.${sub}: ${typeof inner === 'string' ? inner : JSON.stringify(inner)}`);
      }
    } else flat.push(`${k}: ${String(v)}`);
  }
  const message =
    flat.length === 1
      ? `schema violation (${flat[0]})`
      : `${flat.length} schema violations (${flat.join('; ')})`;
  return new KongFail(400, { code: 2, name: 'schema violation', message, fields });
}

/** URL collection names per kind. */
const COLLECTION_KIND: Readonly<Record<string, KongKind>> = {
  services: 'services',
  routes: 'routes',
  consumers: 'consumers',
  plugins: 'plugins',
  'key-auths': 'key-auths',
  acls: 'acls',
};

/** Entities that point at an entity of `kind`, and what deleting it does to them. */
const REFERENCES: Readonly<
  Record<KongKind, { kind: KongKind; field: string; onDelete: 'cascade' | 'restrict' }[]>
> = {
  services: [
    { kind: 'routes', field: 'service', onDelete: 'restrict' },
    { kind: 'plugins', field: 'service', onDelete: 'cascade' },
  ],
  routes: [{ kind: 'plugins', field: 'route', onDelete: 'cascade' }],
  consumers: [
    { kind: 'plugins', field: 'consumer', onDelete: 'cascade' },
    { kind: 'key-auths', field: 'consumer', onDelete: 'cascade' },
    { kind: 'acls', field: 'consumer', onDelete: 'cascade' },
  ],
  plugins: [],
  'key-auths': [],
  acls: [],
};

/** Foreign fields per kind and the kind they point at. */
const FOREIGN: Readonly<Record<string, KongKind>> = {
  service: 'services',
  route: 'routes',
  consumer: 'consumers',
};

const refId = (v: unknown): string | null =>
  v !== null && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string'
    ? (v as { id: string }).id
    : null;

/**
 * Unique constraints per kind: the label Kong prints (kong/db/errors.lua:361-369, `pl.pretty` of
 * the unique key), the `fields` of its 409 body, and the constrained value (the index key).
 */
function uniqueKeys(
  kind: KongKind,
  row: Row,
): { label: string; fields: Record<string, unknown>; value: string }[] {
  const out: { label: string; fields: Record<string, unknown>; value: string }[] = [];
  const add = (field: string): void => {
    const v = row[field];
    if (typeof v === 'string') {
      out.push({ label: `{${field}="${v}"}`, fields: { [field]: v }, value: `${field}\u0000${v}` });
    }
  };
  switch (kind) {
    case 'services':
    case 'routes':
      add('name');
      break;
    case 'consumers':
      add('username');
      add('custom_id');
      break;
    case 'plugins': {
      add('instance_name');
      const parts = ['consumer', 'service', 'route'].map((f) => `${f}=${refId(row[f]) ?? 'null'}`);
      out.push({
        label: `{${parts.join(',')},name="${String(row.name)}"}`,
        fields: {
          consumer: row.consumer ?? null,
          service: row.service ?? null,
          route: row.route ?? null,
          name: row.name,
        },
        value: `cache\u0000${parts.join('|')}|${String(row.name)}`,
      });
      break;
    }
    case 'key-auths':
      add('key');
      break;
    case 'acls':
      out.push({
        label: `{consumer={id="${refId(row.consumer)}"},group="${String(row.group)}"}`,
        fields: { consumer: row.consumer, group: row.group },
        value: `cache\u0000${refId(row.consumer)}|${String(row.group)}`,
      });
      break;
  }
  return out;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export interface FakeKongStoreOptions {
  /** Seconds since the epoch for created_at / updated_at. */
  clock?: () => number;
}

export class FakeKongStore {
  readonly #tables = new Map<KongKind, Map<string, Row>>();
  readonly #unique = new Map<KongKind, Map<string, string>>();
  readonly #sorted = new Map<KongKind, string[]>();
  readonly #clock: () => number;

  constructor(options: FakeKongStoreOptions = {}) {
    this.#clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    for (const k of KONG_KINDS) {
      this.#tables.set(k, new Map());
      this.#unique.set(k, new Map());
    }
  }

  /** A deep copy of every entity, per kind, sorted by id. */
  snapshot(): FakeKongState {
    const out = {} as Record<KongKind, unknown[]>;
    for (const k of KONG_KINDS) out[k] = this.#ids(k).map((id) => clone(this.#table(k).get(id)));
    return out as FakeKongState;
  }

  /** Answers one Admin API request. Never throws. */
  handle(req: FakeRequest): FakeResponse {
    let answer: Answer;
    try {
      answer = this.#route(req);
    } catch (err) {
      answer =
        err instanceof KongFail
          ? { status: err.status, body: err.body }
          : { status: 500, body: { message: 'An unexpected error occurred' } };
    }
    return { status: answer.status, json: answer.status === 204 ? null : JSON.stringify(answer.body) };
  }

  #table(kind: KongKind): Map<string, Row> {
    return this.#tables.get(kind)!;
  }

  #ids(kind: KongKind): string[] {
    let ids = this.#sorted.get(kind);
    if (!ids) {
      ids = [...this.#table(kind).keys()].sort();
      this.#sorted.set(kind, ids);
    }
    return ids;
  }

  #route(req: FakeRequest): Answer {
    const segs = req.path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
    const method = req.method.toUpperCase();
    if (segs.length === 0) {
      if (method !== 'GET') throw new KongFail(405, { message: 'Method not allowed' });
      return {
        status: 200,
        body: { version: '3.9.1', tagline: 'Welcome to kong', configuration: { database: 'postgres' } },
      };
    }
    if (segs.length === 1 && segs[0] === 'status') {
      return { status: 200, body: { database: { reachable: true }, server: { connections_active: 1 } } };
    }
    const top = COLLECTION_KIND[segs[0]!];
    if (segs.length <= 2 && top) {
      if (segs.length === 1) {
        if (method === 'GET') return this.#list(top, req.query, null, req.path);
        if (method === 'POST') return this.#create(top, req.body, null);
        throw new KongFail(405, { message: 'Method not allowed' });
      }
      return this.#entity(method, top, segs[1]!, req.body, null);
    }
    if (segs.length === 3 || segs.length === 4) {
      const nested = NESTED_COLLECTIONS[`${segs[0]}/${segs[2]}`];
      if (nested) {
        const parent = this.#find(nested.parentKind, segs[1]!, null);
        if (!parent) throw notFound();
        const scope = { field: nested.field, id: parent.id };
        if (segs.length === 3) {
          // Kong ignores tag filters on nested endpoints.
          if (method === 'GET') return this.#list(nested.kind, withoutTags(req.query), scope, req.path);
          if (method === 'POST') return this.#create(nested.kind, req.body, scope);
          throw new KongFail(405, { message: 'Method not allowed' });
        }
        return this.#entity(method, nested.kind, segs[3]!, req.body, scope);
      }
    }
    throw notFound();
  }

  /** Finds by id, or by endpoint key (within the parent for nested calls). */
  #find(kind: KongKind, key: string, scope: { field: string; id: string } | null): Row | undefined {
    const table = this.#table(kind);
    let row: Row | undefined;
    if (isUuid(key)) row = table.get(key.toLowerCase());
    else if (kind === 'acls') {
      if (!scope) return undefined;
      const id = this.#unique.get(kind)!.get(`cache\u0000${scope.id}|${key}`);
      row = id === undefined ? undefined : table.get(id);
    } else {
      const id = this.#unique.get(kind)!.get(`${ENDPOINT_KEY[kind]}\u0000${key}`);
      row = id === undefined ? undefined : table.get(id);
    }
    if (row && scope && refId(row[scope.field]) !== scope.id) return undefined;
    return row;
  }

  #list(
    kind: KongKind,
    query: URLSearchParams,
    scope: { field: string; id: string } | null,
    path: string,
  ): Answer {
    const sizeText = query.get('size');
    const size = sizeText === null ? 100 : Number(sizeText);
    if (!Number.isInteger(size) || size < 1 || size > 1000) {
      throw new KongFail(400, {
        code: 9,
        name: 'invalid size',
        message: 'size must be an integer between 1 and 1000',
      });
    }
    const filter = parseTags(query.get('tags'));
    const ids = this.#ids(kind);
    let start = 0;
    const offset = query.get('offset');
    if (offset !== null) {
      const after = decodeOffset(offset);
      // First id greater than the last one served (binary search on the sorted ids).
      let lo = 0;
      let hi = ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ids[mid]! <= after) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const table = this.#table(kind);
    const data: Row[] = [];
    let last: string | null = null;
    let more = false;
    for (let i = start; i < ids.length; i++) {
      const row = table.get(ids[i]!)!;
      if (scope && refId(row[scope.field]) !== scope.id) continue;
      if (filter && !filter(row.tags as string[] | null)) continue;
      if (data.length === size) {
        more = true;
        break;
      }
      data.push(row);
      last = row.id;
    }
    if (!more || last === null) return { status: 200, body: { data, next: null } };
    const next = new URLSearchParams(query);
    // kong/db/strategies/postgres/init.lua:521-522: standard base64 of the JSON primary key, unpadded
    const token = Buffer.from(JSON.stringify([last]))
      .toString('base64')
      .replace(/=+$/, '');
    next.set('offset', token);
    return { status: 200, body: { data, next: `${path}?${next.toString()}`, offset: token } };
  }

  #entity(
    method: string,
    kind: KongKind,
    key: string,
    body: unknown,
    scope: { field: string; id: string } | null,
  ): Answer {
    switch (method) {
      case 'GET': {
        const row = this.#find(kind, key, scope);
        if (!row) throw notFound();
        return { status: 200, body: row };
      }
      case 'PUT':
        return this.#upsert(kind, key, body, scope);
      case 'PATCH': {
        const row = this.#find(kind, key, scope);
        if (!row) throw notFound();
        if (!isRecord(body)) throw new KongFail(400, { message: 'Cannot parse JSON body' });
        const merged: Record<string, unknown> = { ...stripAuto(row), ...body };
        if (isRecord(row.config) && isRecord(body.config)) merged.config = { ...row.config, ...body.config };
        if (scope) merged[scope.field] = { id: scope.id };
        return { status: 200, body: this.#save(kind, merged, row) };
      }
      case 'DELETE': {
        const row = this.#find(kind, key, scope);
        if (row) this.#delete(kind, row);
        return { status: 204, body: null };
      }
      default:
        throw new KongFail(405, { message: 'Method not allowed' });
    }
  }

  #create(kind: KongKind, body: unknown, scope: { field: string; id: string } | null): Answer {
    if (!isRecord(body)) throw new KongFail(400, { message: 'Cannot parse JSON body' });
    const input: Record<string, unknown> = { ...body };
    if (scope) input[scope.field] = { id: scope.id };
    if (input.id !== undefined && (typeof input.id !== 'string' || !isUuid(input.id))) {
      throw schemaViolation({ id: 'expected a valid UUID' });
    }
    if (typeof input.id === 'string' && this.#table(kind).has(input.id.toLowerCase())) {
      // kong/api/endpoints.lua:28: a primary-key clash is a 400
      throw new KongFail(400, {
        code: 3,
        name: 'primary key violation',
        message: `primary key violation on key '{id="${input.id.toLowerCase()}"}'`,
        fields: { id: input.id },
      });
    }
    return { status: 201, body: this.#save(kind, input, undefined) };
  }

  #upsert(kind: KongKind, key: string, body: unknown, scope: { field: string; id: string } | null): Answer {
    if (!isRecord(body)) throw new KongFail(400, { message: 'Cannot parse JSON body' });
    const input: Record<string, unknown> = { ...body };
    delete input.created_at;
    delete input.updated_at;
    if (scope) input[scope.field] = { id: scope.id };
    const existing = this.#find(kind, key, scope) ?? (isUuid(key) ? undefined : this.#find(kind, key, null));
    if (isUuid(key)) {
      input.id = key.toLowerCase();
    } else {
      // kong/db/dao/init.lua:571-636: the key in the URL wins over the body's
      const field = ENDPOINT_KEY[kind];
      input[field] = key;
      if (existing) input.id = existing.id;
      else delete input.id;
    }
    return { status: 200, body: this.#save(kind, input, existing) };
  }

  /** Validates, checks foreign keys and unique constraints, and stores the row. */
  #save(kind: KongKind, input: Record<string, unknown>, existing: Row | undefined): Row {
    const { id, created_at: _c, updated_at: _u, ...fields } = input;
    const { row, errors } = validateEntity(kind, fields);
    if (id !== undefined && (typeof id !== 'string' || !isUuid(id))) errors.id = 'expected a valid UUID';
    if (Object.keys(errors).length > 0) throw schemaViolation(errors);
    // kong/db/schema/init.lua:1885-1894 `auto` string: kong/tools/rand.lua:123-146 random_string,
    // 32 characters of base64 with `/` and `+` swapped for letters
    if (kind === 'key-auths' && row.key === null) {
      row.key = randomBytes(24)
        .toString('base64')
        .replace(/[+/]/g, () => String.fromCharCode(65 + Math.floor(Math.random() * 26)));
    }

    for (const [field, target] of Object.entries(FOREIGN)) {
      const ref = refId(row[field]);
      if (ref !== null && !this.#table(target).has(ref)) {
        throw new KongFail(400, {
          code: 4,
          name: 'foreign key violation',
          message: `the foreign key '{id="${ref}"}' does not reference an existing '${target}' entity.`,
          fields: { [field]: { id: ref } },
        });
      }
    }

    const now = this.#clock();
    const newId = (typeof id === 'string' ? id.toLowerCase() : undefined) ?? existing?.id ?? randomUUID();
    const table = this.#table(kind);
    const previous = table.get(newId) ?? existing;
    const full: Row = {
      id: newId,
      created_at: previous?.created_at ?? now,
      ...(kind === 'services' || kind === 'routes' || kind === 'consumers' || kind === 'plugins'
        ? { updated_at: now }
        : {}),
      ...row,
    };
    const index = this.#unique.get(kind)!;
    for (const u of uniqueKeys(kind, full)) {
      const holder = index.get(u.value);
      if (holder !== undefined && holder !== full.id) {
        throw new KongFail(409, {
          code: 5,
          name: 'unique constraint violation',
          message: `UNIQUE violation detected on '${u.label}'`,
          fields: u.fields,
        });
      }
    }
    if (previous) {
      for (const u of uniqueKeys(kind, previous))
        if (index.get(u.value) === previous.id) index.delete(u.value);
    }
    for (const u of uniqueKeys(kind, full)) index.set(u.value, full.id);
    if (!table.has(full.id)) this.#sorted.delete(kind);
    table.set(full.id, full);
    return full;
  }

  /** Deletes a row with Kong's rules: restrict where Kong restricts, cascade where it cascades. */
  #delete(kind: KongKind, row: Row): void {
    for (const ref of REFERENCES[kind]) {
      if (ref.onDelete !== 'restrict') continue;
      for (const child of this.#table(ref.kind).values()) {
        if (refId(child[ref.field]) === row.id) {
          throw new KongFail(400, {
            code: 4,
            name: 'foreign key violation',
            message: `an existing '${ref.kind}' entity references this '${kind}' entity`,
            fields: { '@referenced_by': ref.kind },
          });
        }
      }
    }
    for (const ref of REFERENCES[kind]) {
      if (ref.onDelete !== 'cascade') continue;
      for (const child of [...this.#table(ref.kind).values()]) {
        if (refId(child[ref.field]) === row.id) this.#delete(ref.kind, child);
      }
    }
    const index = this.#unique.get(kind)!;
    for (const u of uniqueKeys(kind, row)) if (index.get(u.value) === row.id) index.delete(u.value);
    this.#table(kind).delete(row.id);
    this.#sorted.delete(kind);
  }
}

function stripAuto(row: Row): Record<string, unknown> {
  const { created_at: _c, updated_at: _u, ...rest } = row;
  return rest;
}

function withoutTags(q: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams(q);
  out.delete('tags');
  return out;
}

function decodeOffset(token: string): string {
  try {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(token)) throw new Error('not base64');
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string') return parsed[0];
  } catch {
    // fall through
  }
  throw new KongFail(400, {
    code: 7,
    name: 'invalid offset',
    message: `'${token}' is not a valid offset: bad base64 encoding`,
  });
}

/** Kong's tag filter: `a,b` needs every tag, `a/b` any; at most 5, not both separators. */
function parseTags(value: string | null): ((tags: readonly string[] | null) => boolean) | null {
  if (value === null) return null;
  // kong/db/errors.lua:443-475 invalid_options: the details go in `options`, not `fields`
  const invalid = (why: string): KongFail =>
    new KongFail(400, {
      code: 11,
      name: 'invalid options',
      message: `invalid option (tags: ${why})`,
      options: { tags: why },
    });
  if (value.includes(',') && value.includes('/')) throw invalid('invalid filter syntax');
  const any = value.includes('/');
  const wanted = value.split(any ? '/' : ',');
  if (wanted.some((t) => t === '')) throw invalid('invalid filter syntax');
  if (wanted.length > 5) throw invalid('cannot query more than 5 tags');
  return (tags) => {
    const have = new Set(tags ?? []);
    return any ? wanted.some((t) => have.has(t)) : wanted.every((t) => have.has(t));
  };
}
