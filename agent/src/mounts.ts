import { posix } from 'node:path';

/**
 * Services to restart after an apply because a bundle file they bind-mount
 * changed. Compose recreates a service when its configuration changes, but a
 * bind-mounted file's content is not part of that configuration: a new
 * `vector/vector.yml` or function source would otherwise not be picked up.
 * Looks at relative bind sources (`./vector/vector.yml:/etc/vector.yml:ro`
 * or `{type: bind, source: ./functions}`); a service is listed when any file
 * at or under a source was added, removed or changed.
 */
export function servicesWithChangedMounts(
  compose: unknown,
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): string[] {
  const services = (compose as { services?: Record<string, { volumes?: unknown }> } | null)?.services ?? {};
  const changed = new Set<string>();
  for (const path of new Set([...before.keys(), ...after.keys()])) {
    if (before.get(path) !== after.get(path)) changed.add(path);
  }
  if (changed.size === 0) return [];
  const out: string[] = [];
  for (const [name, service] of Object.entries(services)) {
    const volumes = Array.isArray(service?.volumes) ? (service.volumes as unknown[]) : [];
    const sources = volumes.map(bindSource).filter((s): s is string => s !== undefined);
    const touched = sources.some((src) => [...changed].some((p) => p === src || p.startsWith(`${src}/`)));
    if (touched) out.push(name);
  }
  return out.sort();
}

/** A volume entry's relative bind source as a bundle path (`./a/b` → `a/b`), or undefined. */
function bindSource(volume: unknown): string | undefined {
  let source: string | undefined;
  if (typeof volume === 'string') source = volume.split(':')[0];
  else if (volume && typeof volume === 'object') {
    const v = volume as { type?: unknown; source?: unknown };
    if (v.type === 'bind' && typeof v.source === 'string') source = v.source;
  }
  if (source === undefined || !source.startsWith('./')) return undefined;
  const normal = posix.normalize(source);
  return normal === '.' || normal.startsWith('..') ? undefined : normal.replace(/\/+$/, '');
}
