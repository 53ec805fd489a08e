/**
 * mode rebuild: the one master is reinstalled in place (same id, name, labels and IPs)
 * with a user_data that boots it in restore mode: no new secrets, waiting for the
 * operator's keys and `supafleet-master-restore`. Every check runs before the one
 * mutating call.
 */
import type { Action, Server } from '../../../core/hetzner/types.ts';
import type { ResolvedFleet } from '../../../core/spec/defaults.ts';
import { MASTER_IMAGE, type MasterDeps, type MasterHetzner, type MasterOutcome } from './ports.ts';
import { checkRebuild } from './preconditions.ts';
import { rebuiltSummary } from './summary.ts';
import { masterUserData } from './user-data.ts';

export async function rebuildMaster(
  hetzner: MasterHetzner,
  deps: MasterDeps,
  fleet: ResolvedFleet,
  found: { masters: readonly Server[]; selector: string; confirm: string },
): Promise<MasterOutcome> {
  const master = checkRebuild(found.masters, found.selector, found.confirm);
  const userData = masterUserData(fleet, { restore: true }, deps.log);
  const before = master.public_net.ipv4?.ip ?? '';
  deps.log.info(
    `rebuilding master ${master.name} (id ${master.id}, IPv4 ${before || 'none'}) from ${MASTER_IMAGE}`,
  );
  const result = await hetzner.rebuildServer(
    master.id,
    { image: MASTER_IMAGE, user_data: userData },
    { fleet: fleet.name, role: 'master' },
  );
  // Hetzner sets a root password on servers without SSH keys; nobody needs it (SSH keys come
  // from fleet.yaml through cloud-init), and it must never reach the log.
  if (result.rootPassword) deps.log.mask(result.rootPassword.reveal());
  if (result.resumed) {
    deps.log.info(`the first rebuild request was answered late; following its action ${result.action.id}`);
  }
  let shown = -1;
  const progress = (a: Action): void => {
    if (a.progress === shown) return;
    shown = a.progress;
    deps.log.info(`rebuild of ${master.name}: ${a.status} ${a.progress}%`);
  };
  progress(result.action);
  await hetzner.waitForAction(result.action, { onProgress: progress });
  const server = await hetzner.getServer(master.id);
  if (!server) throw new Error(`master ${master.name} (id ${master.id}) is gone after its rebuild`);
  const ipv4 = server.public_net.ipv4?.ip ?? '';
  if (ipv4 !== before) {
    deps.log.warn(
      `master IPv4 changed from ${before} to ${ipv4}; point fleet.${fleet.domain} at the new one`,
    );
  }
  deps.log.info(`master ${server.name} (id ${server.id}) rebuilt at ${ipv4 || 'no IPv4'}; restore pending`);
  return { server, ipv4, summary: rebuiltSummary(fleet, server, ipv4, MASTER_IMAGE) };
}
