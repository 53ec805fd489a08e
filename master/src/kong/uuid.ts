import { createHash } from 'node:crypto';

/** supafleet's namespace for name-based UUIDs of Kong entities that have no name of their own. */
const NAMESPACE = '6f1d7c2e-5b0a-4e39-9d6c-3a7f1e8b2c40';

/**
 * A name-based (version 5, RFC 9562) UUID: the same name always gives the same id, so a
 * credential can be `PUT` by id and a retry or a second reconcile finds the same entity.
 */
export function nameUuid(name: string): string {
  const ns = Buffer.from(NAMESPACE.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** True for the 8-4-4-4-12 hex form Kong treats as an id rather than a name. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
