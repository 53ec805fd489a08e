/**
 * What must hold before the master action makes any mutating Hetzner call, checked
 * on the servers carrying the master labels: create needs none, rebuild exactly one
 * and a `confirm` input naming it (a rebuild wipes the master's disk).
 */
import type { Server } from '../../../core/hetzner/types.ts';

function describe(servers: readonly Server[]): string {
  return servers.map((s) => `${s.name} (id ${s.id})`).join(', ');
}

/** Throws unless no master exists yet. */
export function checkCreate(masters: readonly Server[]): void {
  const [first] = masters;
  if (!first) return;
  throw new Error(
    `a master already exists (server ${first.name}, id ${first.id}); to replace it, run with mode rebuild ` +
      `and confirm ${first.name} (this wipes its disk; restore it from its backup afterwards)`,
  );
}

/** The one master to rebuild; throws when there is none, several, or `confirm` does not name it. */
export function checkRebuild(masters: readonly Server[], selector: string, confirm: string): Server {
  if (masters.length === 0) {
    throw new Error(`no server carries ${selector}, so there is no master to rebuild; run with mode create`);
  }
  if (masters.length > 1) {
    throw new Error(
      `${masters.length} servers carry ${selector}: ${describe(masters)}; expected one master. ` +
        'Delete or relabel the extra ones in the Hetzner console; nothing was rebuilt',
    );
  }
  const master = masters[0]!;
  if (confirm !== master.name) {
    throw new Error(
      `input confirm is ${JSON.stringify(confirm)}; rebuilding wipes the disk of server ${master.name} ` +
        `(id ${master.id}), so set confirm to ${master.name} to go ahead`,
    );
  }
  return master;
}
