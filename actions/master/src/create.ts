/** mode create: a new master server with the fleet's master labels, refused when one exists. */
import type { Server } from '../../../core/hetzner/types.ts';
import { masterLabels, masterServerName } from '../../../core/naming/labels.ts';
import type { ResolvedFleet } from '../../../core/spec/defaults.ts';
import { MASTER_IMAGE, type MasterDeps, type MasterHetzner, type MasterOutcome } from './ports.ts';
import { checkCreate } from './preconditions.ts';
import { createdSummary } from './summary.ts';
import { masterUserData } from './user-data.ts';

export async function createMaster(
  hetzner: MasterHetzner,
  deps: MasterDeps,
  fleet: ResolvedFleet,
  masters: readonly Server[],
): Promise<MasterOutcome> {
  checkCreate(masters);
  const userData = masterUserData(fleet, { restore: false }, deps.log);
  const ensured = await hetzner.ensureServer(
    {
      name: masterServerName(fleet.name),
      server_type: fleet.master.server.type,
      image: MASTER_IMAGE,
      location: fleet.master.server.location,
      labels: masterLabels(fleet.name),
      user_data: userData,
      public_net: { enable_ipv4: true, enable_ipv6: true },
    },
    { fleet: fleet.name, role: 'master' },
  );
  if (ensured.action) await hetzner.waitForAction(ensured.action);
  const server = ensured.server;
  const ipv4 = server.public_net.ipv4?.ip ?? '';
  deps.log.info(`master ${server.name} (id ${server.id}) created at ${ipv4 || 'no IPv4'}`);
  return { server, ipv4, summary: createdSummary(fleet, server, ipv4) };
}
