import type { DesiredEntity, KongState } from './desired.ts';
import type { KongEntityMap, KongKind, KongRef } from './types.ts';
import { KONG_KINDS } from './types.ts';

/** What Kong holds for one project (or the whole fleet), per kind. */
export type KongActual = { [K in KongKind]: KongEntityMap[K][] };

/** One mutating Admin API call. */
export type KongOp =
  | { type: 'put'; kind: KongKind; entity: DesiredEntity<KongKind>; reason: 'create' | 'update' }
  | { type: 'delete'; kind: KongKind; id: string; label: string };

/** The calls that bring Kong from actual to desired, in a safe order, and what stays as is. */
export interface KongPlan {
  ops: KongOp[];
  unchanged: number;
}

/** An empty actual state. */
export function emptyActual(): KongActual {
  return { services: [], routes: [], consumers: [], plugins: [], 'key-auths': [], acls: [] };
}

/** The endpoint key supafleet matches an existing entity by. */
export function actualKey(kind: KongKind, e: KongEntityMap[KongKind]): string | null {
  switch (kind) {
    case 'services':
    case 'routes':
      return (e as KongEntityMap['services']).name ?? null;
    case 'consumers':
      return (e as KongEntityMap['consumers']).username ?? null;
    case 'plugins':
      return (e as KongEntityMap['plugins']).instance_name ?? null;
    case 'key-auths':
    case 'acls':
      return e.id;
  }
}

function label(kind: KongKind, e: KongEntityMap[KongKind]): string {
  const k = kind === 'key-auths' || kind === 'acls' ? null : actualKey(kind, e);
  return k ? `${kind} ${k}` : `${kind} ${e.id}`;
}

/** Deep equality of JSON values; `undefined` counts as `null` (Kong may omit nulls). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const x = a === undefined ? null : a;
  const y = b === undefined ? null : b;
  if (x === y) return true;
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x) && Array.isArray(y)) {
    return x.length === y.length && x.every((v, i) => jsonEqual(v, y[i]));
  }
  const xo = x as Record<string, unknown>;
  const yo = y as Record<string, unknown>;
  const keys = new Set([...Object.keys(xo), ...Object.keys(yo)]);
  for (const k of keys) if (!jsonEqual(xo[k], yo[k])) return false;
  return true;
}

/**
 * True when `actual` holds every key of `desired` with an equal value: objects recurse, arrays
 * and scalars compare exactly. Kong fills plugin configs with defaults supafleet does not send.
 */
export function jsonContains(desired: unknown, actual: unknown): boolean {
  if (desired !== null && typeof desired === 'object' && !Array.isArray(desired)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => jsonContains(v, a[k]));
  }
  return jsonEqual(desired, actual);
}

function sameTags(a: readonly string[] | null | undefined, b: readonly string[] | null | undefined): boolean {
  const x = [...(a ?? [])].sort();
  const y = [...(b ?? [])].sort();
  return x.length === y.length && x.every((t, i) => t === y[i]);
}

/** Ids of the parents that exist, by kind and name. */
interface Parents {
  services: Map<string, string>;
  routes: Map<string, string>;
  consumers: Map<string, string>;
}

function refId(ref: KongRef | null | undefined): string | null {
  return ref && typeof ref.id === 'string' ? ref.id : null;
}

/** True when the existing entity already is what supafleet wants. */
function matches(d: DesiredEntity<KongKind>, actual: KongEntityMap[KongKind], parents: Parents): boolean {
  const a = actual as Record<string, unknown>;
  const body = d.body as unknown as Record<string, unknown>;
  if (!sameTags(body.tags as string[], a.tags as string[] | null)) return false;
  const parentId = (m: Map<string, string>): string | null =>
    d.parent === undefined ? null : (m.get(d.parent) ?? null);
  switch (d.kind) {
    case 'routes':
      if (refId(a.service as KongRef) !== parentId(parents.services) || parentId(parents.services) === null)
        return false;
      break;
    case 'plugins':
      if (refId(a.route as KongRef) !== parentId(parents.routes) || parentId(parents.routes) === null)
        return false;
      if (refId(a.service as KongRef) !== null || refId(a.consumer as KongRef) !== null) return false;
      break;
    case 'key-auths':
    case 'acls':
      if (
        refId(a.consumer as KongRef) !== parentId(parents.consumers) ||
        parentId(parents.consumers) === null
      )
        return false;
      break;
    default:
      break;
  }
  for (const [field, want] of Object.entries(body)) {
    if (field === 'tags') continue;
    if (d.kind === 'key-auths' && field === 'key') {
      if ((want as { reveal(): string }).reveal() !== a.key) return false;
      continue;
    }
    if (d.kind === 'plugins' && field === 'config') {
      if (!jsonContains(want, a.config)) return false;
      continue;
    }
    if (!jsonEqual(want, a[field])) return false;
  }
  return true;
}

/** Extras are deleted children first; services and consumers only after routes and credentials moved. */
const EARLY_DELETES: readonly KongKind[] = ['plugins', 'acls', 'key-auths', 'routes'];
const LATE_DELETES: readonly KongKind[] = ['consumers', 'services'];

/**
 * Plans the calls that turn `actual` into `desired` (null: remove everything in `actual`).
 * Pure. Order: delete stray plugins, credentials and routes (so a stray can never block a
 * desired entity with a unique-key conflict), then upsert parents before children, then delete
 * stray consumers and services (whose children have moved or gone by then).
 */
export function planKong(desired: KongState | null, actual: KongActual): KongPlan {
  const parents: Parents = { services: new Map(), routes: new Map(), consumers: new Map() };
  for (const kind of ['services', 'routes', 'consumers'] as const) {
    for (const e of actual[kind]) {
      const k = actualKey(kind, e);
      if (k !== null) parents[kind].set(k, e.id);
    }
  }

  const extras: Record<KongKind, KongOp[]> = {
    services: [],
    routes: [],
    consumers: [],
    plugins: [],
    'key-auths': [],
    acls: [],
  };
  const puts: KongOp[] = [];
  let unchanged = 0;

  for (const kind of KONG_KINDS) {
    const wanted = new Map<string, DesiredEntity<KongKind>>();
    for (const d of desired?.[kind] ?? []) wanted.set(d.key, d as DesiredEntity<KongKind>);
    const existing = new Map<string, KongEntityMap[KongKind]>();
    const sorted = [...actual[kind]].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    for (const e of sorted) {
      const k = actualKey(kind, e);
      if (k !== null && wanted.has(k) && !existing.has(k)) existing.set(k, e);
      else extras[kind].push({ type: 'delete', kind, id: e.id, label: label(kind, e) });
    }
    for (const d of wanted.values()) {
      const e = existing.get(d.key);
      if (!e) puts.push({ type: 'put', kind, entity: d, reason: 'create' });
      else if (!matches(d, e, parents)) puts.push({ type: 'put', kind, entity: d, reason: 'update' });
      else unchanged++;
    }
  }

  const ops: KongOp[] = [
    ...EARLY_DELETES.flatMap((k) => extras[k]),
    ...puts,
    ...LATE_DELETES.flatMap((k) => extras[k]),
  ];
  return { ops, unchanged };
}
