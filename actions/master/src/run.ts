/**
 * The master action: creates the fleet's master server from fleet.yaml with the
 * fleet's labels (`supafleet/role=master`). The user_data is a bootstrap only; the
 * master's secrets are written on the server after boot, never through Hetzner.
 */
import * as core from '@actions/core';
import { renderMasterUserData } from '../../../cloud-init/master/user-data.ts';
import { assertUserDataBudget, MASTER_TARGET } from '../../../cloud-init/shared/budget.ts';
import { realClock, type Clock, type Logger } from '../../../core/apply/ports.ts';
import { coreLogger, hetznerClient, writeSummary } from '../../../core/apply/runner/core-io.ts';
import { loadSpecs } from '../../../core/apply/runner/specs.ts';
import type { Server } from '../../../core/hetzner/types.ts';
import { formatSelector } from '../../../core/hetzner/label-selector.ts';
import { masterLabels, masterServerName } from '../../../core/naming/labels.ts';
import { resolveFleet } from '../../../core/spec/defaults.ts';
import { readInputs } from './inputs.ts';

export interface MasterDeps {
  readonly clock: Clock;
  readonly log: Logger;
}

export const MASTER_IMAGE = 'ubuntu-24.04';

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
    const labels = masterLabels(fleet.name);
    const existing = await hetzner.listServers({ labelSelector: formatSelector(labels) });
    if (s.mode === 'rebuild') {
      throw new Error(
        existing.length === 0
          ? `no master carries ${formatSelector(labels)}; run with mode create`
          : 'rebuilding the master in place is not automated yet; restore it from its backup ' +
              'as docs/running-your-fleet.md describes',
      );
    }
    if (existing.length > 0) {
      throw new Error(
        `a master already exists (server ${existing[0]!.name}, id ${existing[0]!.id}); ` +
          'run with mode rebuild to replace it',
      );
    }
    const userData = renderMasterUserData({ fleet });
    const bytes = assertUserDataBudget(userData.text, userData.parts);
    if (bytes > MASTER_TARGET)
      deps.log.warn(`master user_data is ${bytes} bytes, over the ${MASTER_TARGET}-byte target`);
    const ensured = await hetzner.ensureServer(
      {
        name: masterServerName(fleet.name),
        server_type: fleet.master.server.type,
        image: MASTER_IMAGE,
        location: fleet.master.server.location,
        labels,
        user_data: userData.text,
        public_net: { enable_ipv4: true, enable_ipv6: true },
      },
      { fleet: fleet.name, role: 'master' },
    );
    if (ensured.action) await hetzner.waitForAction(ensured.action);
    const server = ensured.server;
    const ipv4 = server.public_net.ipv4?.ip ?? '';
    deps.log.info(`master ${server.name} (id ${server.id}) created at ${ipv4 || 'no IPv4'}`);
    core.setOutput('server-id', String(server.id));
    core.setOutput('ipv4', ipv4);
    await writeSummary(
      [
        '### supafleet master',
        '',
        `Server \`${server.name}\` (id ${server.id}) created in ${fleet.master.server.location}, IPv4 \`${ipv4}\`.`,
        '',
        `Next: point \`fleet.${fleet.domain}\` and \`*.${fleet.domain}\` at it, write the master's secrets on the`,
        'server, then set the repository variables `SUPAFLEET_MASTER_URL` and `SUPAFLEET_MASTER_WG_PUBLIC_KEY`',
        '(docs/running-your-fleet.md).',
        '',
      ].join('\n'),
    );
    return server;
  } catch (err) {
    core.setFailed(`supafleet master failed: ${(err as Error).message}`);
    return undefined;
  }
}
