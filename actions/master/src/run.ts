/**
 * The master action: creates the fleet's master server from fleet.yaml with the
 * fleet's labels (`supafleet/role=master`), or rebuilds the existing one in place for
 * a restore from its backup. The user_data is a bootstrap only; the master's secrets
 * are made on the server (create) or restored from the backup (rebuild), never sent
 * through Hetzner.
 */
import * as core from '@actions/core';
import { realClock } from '../../../core/apply/ports.ts';
import { coreLogger, hetznerClient, writeSummary } from '../../../core/apply/runner/core-io.ts';
import { loadSpecs } from '../../../core/apply/runner/specs.ts';
import { formatSelector } from '../../../core/hetzner/label-selector.ts';
import type { Server } from '../../../core/hetzner/types.ts';
import { masterLabels } from '../../../core/naming/labels.ts';
import { resolveFleet } from '../../../core/spec/defaults.ts';
import { createMaster } from './create.ts';
import { readInputs } from './inputs.ts';
import type { MasterDeps } from './ports.ts';
import { rebuildMaster } from './rebuild.ts';

export { MASTER_IMAGE, type MasterDeps } from './ports.ts';

export async function run(overrides: Partial<MasterDeps> = {}): Promise<Server | undefined> {
  const deps: MasterDeps = { clock: realClock, log: coreLogger, ...overrides };
  try {
    const s = readInputs();
    const loaded = await loadSpecs(s.ctx.workspace, s.root);
    if (!loaded.ok) {
      core.setFailed(`${loaded.errors.length} spec error(s) in the fleet; fix fleet.yaml first`);
      return undefined;
    }
    const fleet = resolveFleet(loaded.fleet);
    const hetzner = hetznerClient(s.ctx, s.hetznerToken, deps.clock, deps.log);
    const selector = formatSelector(masterLabels(fleet.name));
    const masters = await hetzner.listServers({ labelSelector: selector });
    const outcome =
      s.mode === 'rebuild'
        ? await rebuildMaster(hetzner, deps, fleet, { masters, selector, confirm: s.confirm })
        : await createMaster(hetzner, deps, fleet, masters);
    core.setOutput('server-id', String(outcome.server.id));
    core.setOutput('ipv4', outcome.ipv4);
    await writeSummary(outcome.summary);
    return outcome.server;
  } catch (err) {
    core.setFailed(`supafleet master failed: ${(err as Error).message}`);
    return undefined;
  }
}
