import { defaultAdminDomain } from '../../../core/spec/rules/admin-zone.ts';
import type { FleetSpec } from '../../../core/spec/types.ts';
import { studioHost } from '../studio/hosts.ts';

/**
 * Where "Open in Studio" leads for a project: the one place the console computes that URL (the
 * Project page gets it in its data). Each project has a Studio of its own, in the admin zone
 * behind the gate, at `https://studio-<name>.<admin_domain>`; Studio serves its one project as
 * ref `default` (docs/studio.md).
 */
export function studioLink(fleet: Pick<FleetSpec, 'domain' | 'admin_domain'>, project: string): string {
  const adminDomain = fleet.admin_domain ?? defaultAdminDomain(fleet.domain);
  return `https://${studioHost(project, adminDomain)}/project/default`;
}
