/**
 * The admin zone: where the fleet's own browser surfaces live (Authelia's login,
 * Studio, the dashboard) and the only zone Authelia's session cookie is scoped to.
 * Project hosts are `<subdomain>.<domain>`, and tenant code sees the cookies sent to
 * them (PostgREST hands them to SQL as `request.cookies`), so the zone must never
 * contain one, nor sit under one.
 */
import { quote } from '../errors.ts';
import { RESERVED_NAMES } from './dns.ts';

/** The label of the default admin zone under the fleet domain (a reserved project name). */
export const DEFAULT_ADMIN_LABEL = 'admin';

/** The admin zone when fleet.yaml names none: `admin.<domain>`. */
export function defaultAdminDomain(domain: string): string {
  return `${DEFAULT_ADMIN_LABEL}.${domain}`;
}

/** True when a cookie scoped to `zone` is sent to `host`: the host is the zone or below it. */
export function hostInZone(host: string, zone: string): boolean {
  const h = host.toLowerCase();
  const z = zone.toLowerCase();
  return h === z || h.endsWith(`.${z}`);
}

/**
 * Why `adminDomain` cannot be the admin zone of a fleet served under `domain`, or
 * undefined when it can. Refused: the fleet domain itself or a parent of it (the
 * cookie would reach every project), and any zone at or under `<label>.<domain>`
 * where `label` could be a project's subdomain (not reserved): at the label, the
 * cookie reaches that project; under it, that project's responses can set cookies
 * the admin hosts receive.
 */
export function adminZoneProblem(domain: string, adminDomain: string): string | undefined {
  const zone = adminDomain.toLowerCase();
  const fleet = domain.toLowerCase();
  const suggestion = `expected a zone of its own, such as ${defaultAdminDomain(fleet)} (the default) or a domain outside ${fleet}`;
  if (zone === fleet) {
    return `${quote(adminDomain)} is the fleet domain: the login cookie would reach every project host <subdomain>.${fleet}; ${suggestion}`;
  }
  if (hostInZone(fleet, zone)) {
    return `${quote(adminDomain)} is a parent of the fleet domain ${fleet}: the login cookie would reach every project host; ${suggestion}`;
  }
  if (!zone.endsWith(`.${fleet}`)) return undefined;
  const labels = zone.slice(0, -(fleet.length + 1)).split('.');
  const label = labels[labels.length - 1]!;
  if (RESERVED_NAMES.includes(label)) return undefined;
  const where = labels.length === 1 ? 'is' : 'lies under';
  return (
    `${quote(adminDomain)} ${where} ${label}.${fleet}, the host of a project with subdomain ${quote(label)}: ` +
    `that project could read or set the login cookie; ${suggestion}`
  );
}
