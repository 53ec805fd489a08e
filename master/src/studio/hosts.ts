/**
 * The host of a project's Studio: `studio-<project>.<admin_domain>`. One label under the admin
 * zone, so the `*.<admin_domain>` DNS record and Authelia's cookie cover it, and one origin per
 * project, so nothing a browser keeps for one project's Studio (local storage, cookies) is
 * shared with another's.
 */
const PROJECT_NAME = /^[a-z][a-z0-9-]{1,31}$/;
const PREFIX = 'studio-';

export function studioHost(project: string, adminDomain: string): string {
  if (!PROJECT_NAME.test(project)) {
    throw new Error(
      `project name: ${JSON.stringify(project)} is not a project name (a-z, 0-9, -; 2-32 chars)`,
    );
  }
  return `${PREFIX}${project}.${adminDomain.toLowerCase()}`;
}

/** The project a Studio host names, or undefined when the host is not one (port and case ignored). */
export function projectOfStudioHost(host: string, adminDomain: string): string | undefined {
  const h = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const suffix = `.${adminDomain.toLowerCase()}`;
  if (!h.endsWith(suffix)) return undefined;
  const label = h.slice(0, -suffix.length);
  if (!label.startsWith(PREFIX)) return undefined;
  const name = label.slice(PREFIX.length);
  return PROJECT_NAME.test(name) ? name : undefined;
}

/** The TLS ask's entry for a project's Studio host (never a host label: it holds a colon). */
export function studioAskLabel(project: string): string {
  return `studio:${project}`;
}

/**
 * What the TLS ask approves, in one in-memory set: every active project's subdomain (its API
 * host) and `studio:<name>` (its Studio host in the admin zone).
 */
export async function tlsAskLabels(registry: {
  activeHosts(): Promise<{ name: string; subdomain: string }[]>;
}): Promise<string[]> {
  const hosts = await registry.activeHosts();
  return [...hosts.map((h) => h.subdomain), ...hosts.map((h) => studioAskLabel(h.name))];
}
