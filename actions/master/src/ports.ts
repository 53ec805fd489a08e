/** What the master action's modes share: collaborators, the Hetzner calls they make, their outcome. */
import { SERVER_IMAGE } from '../../../cloud-init/versions.ts';
import type { Clock, Logger } from '../../../core/apply/ports.ts';
import type { HetznerClient } from '../../../core/hetzner/client.ts';
import type { Server } from '../../../core/hetzner/types.ts';

/** The image the master runs (the one the bootstrap is written for); a rebuild installs it again. */
export const MASTER_IMAGE = SERVER_IMAGE;

export interface MasterDeps {
  readonly clock: Clock;
  readonly log: Logger;
}

/** The Hetzner calls the master action makes. */
export type MasterHetzner = Pick<
  HetznerClient,
  'listServers' | 'ensureServer' | 'waitForAction' | 'rebuildServer' | 'getServer'
>;

/** What a mode leaves behind: the master server, its IPv4 and the job summary. */
export interface MasterOutcome {
  readonly server: Server;
  readonly ipv4: string;
  readonly summary: string;
}
