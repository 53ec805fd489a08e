import { catalogue, locationNames, serverType, serverTypeNames } from '../../catalogue/catalogue.ts';
import type { Issue, PathSegment } from '../errors.ts';
import { quote } from '../errors.ts';

/**
 * Issues with a `{ type, location }` server: both must be in the Hetzner
 * catalogue, and the type must be offered in the location.
 */
export function serverIssues(server: unknown, path: readonly PathSegment[]): Issue[] {
  if (typeof server !== 'object' || server === null) return [];
  const { type, location } = server as { type?: unknown; location?: unknown };
  const issues: Issue[] = [];
  const known = typeof type === 'string' ? serverType(type) : undefined;
  if (typeof type === 'string' && !known) {
    issues.push({
      path: [...path, 'type'],
      message: `unknown server type ${quote(type)}; expected one of ${serverTypeNames().join(', ')}`,
    });
  }
  const knownLocation = typeof location === 'string' && Object.hasOwn(catalogue.locations, location);
  if (typeof location === 'string' && !knownLocation) {
    issues.push({
      path: [...path, 'location'],
      message: `unknown location ${quote(location)}; expected one of ${locationNames().join(', ')}`,
    });
  }
  if (known && knownLocation && !known.locations.includes(location as string)) {
    issues.push({
      path: [...path, 'location'],
      message: `server type ${quote(type)} is not offered in ${quote(location)}; expected one of its locations: ${[...known.locations].sort().join(', ')}`,
    });
  }
  return issues;
}
