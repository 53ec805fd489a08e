import type { FleetSpec } from '../../../core/spec/types.ts';

/**
 * What the New project form needs from the master: the names and host labels the fleet's
 * projects hold (the form refuses them, as `supafleet validate` refuses a second file with the
 * same subdomain), the fleet's domain (a host must fit in DNS) and its repository (where the
 * form opens the new file). No spec and nothing secret.
 */
export interface ConsoleNames {
  readonly fleet: {
    readonly name: string;
    readonly domain: string;
    /** owner/name from fleet.yaml's github.repository; null when fleet.yaml leaves it out. */
    readonly repository: string | null;
  };
  /** Active projects, sorted by name. */
  readonly projects: readonly { readonly name: string; readonly subdomain: string }[];
}

/** The form's data from the fleet spec and the registry's active projects. Pure. */
export function namesView(
  fleet: FleetSpec,
  projects: readonly { readonly name: string; readonly subdomain: string; readonly status: string }[],
): ConsoleNames {
  return {
    fleet: { name: fleet.name, domain: fleet.domain, repository: fleet.github.repository ?? null },
    projects: projects
      .filter((p) => p.status === 'active')
      .map((p) => ({ name: p.name, subdomain: p.subdomain }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}
