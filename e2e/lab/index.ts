/**
 * The fleet lab: `startLab()` gives the namespace lab (real WireGuard, real
 * enrollment) when this machine can run it, else the in-process lab, and says
 * which one and what it simulates through `log`.
 */
import { startInProcessLab } from './in-process.ts';
import { namespaceLabSkipReason, startFleetLab, type FleetLab, type FleetLabOptions } from './lab.ts';

export type { FleetLab, FleetLabOptions, LabTrace, LabWorkerInfo } from './lab.ts';
export { leftovers, namespaceLabSkipReason, readWorkerLog } from './lab.ts';
export { startFleetLab, startInProcessLab };

export async function startLab(
  options: FleetLabOptions & { readonly mode?: 'namespaces' | 'in-process' } = {},
): Promise<FleetLab> {
  const say = options.log ?? (() => undefined);
  const why = options.mode === 'in-process' ? 'in-process mode was asked for' : namespaceLabSkipReason();
  if (options.mode === 'namespaces' || why === undefined) return startFleetLab(options);
  const lab = await startInProcessLab(options);
  say(`in-process lab (${why}); simulated:`);
  for (const s of lab.simulated) say(`  - ${s}`);
  return lab;
}
