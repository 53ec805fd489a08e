/** The master action's job summaries: what happened and the operator's exact next steps. */
import type { Server } from '../../../core/hetzner/types.ts';
import type { ResolvedFleet } from '../../../core/spec/defaults.ts';
import { MASTER_KEY_FILES, keyInstallCommand } from '../../../cloud-init/master/keys.ts';

const GUIDE = 'docs/running-your-fleet.md';

export function createdSummary(fleet: ResolvedFleet, server: Server, ipv4: string): string {
  return [
    '### supafleet master',
    '',
    `Server \`${server.name}\` (id ${server.id}) created in ${fleet.master.server.location}, IPv4 \`${ipv4}\`.`,
    '',
    `Next: point \`fleet.${fleet.domain}\` and \`*.${fleet.domain}\` at it, write the master's secrets on the`,
    'server, then set the repository variables `SUPAFLEET_MASTER_URL` and `SUPAFLEET_MASTER_WG_PUBLIC_KEY`',
    `(${GUIDE}).`,
    '',
  ].join('\n');
}

/** The steps after a rebuild: keys in over SSH, restore, health check. */
export function rebuiltSummary(fleet: ResolvedFleet, server: Server, ipv4: string, image: string): string {
  const host = `${fleet.ssh.user}@${ipv4}`;
  return [
    '### supafleet master',
    '',
    `Server \`${server.name}\` (id ${server.id}) rebuilt from \`${image}\`; it keeps its IPv4 \`${ipv4}\`.`,
    'Its disk is new: it boots without generating secrets and waits for its two keys and its backup',
    '(restore pending).',
    '',
    'Next steps:',
    '',
    `1. Wait for the first boot to finish and forget the old host key (the rebuild made new ones):`,
    '',
    '   ```sh',
    `   ssh-keygen -R ${ipv4}`,
    `   ssh ${host} cloud-init status --wait`,
    '   ```',
    '',
    `2. Install the fleet seal private key and the Storage Box key over SSH as \`${fleet.ssh.user}\`,`,
    '   from the machine that holds them:',
    '',
    '   ```sh',
    ...MASTER_KEY_FILES.map((key) => `   ${keyInstallCommand(host, key)}`),
    '   ```',
    '',
    '3. Restore the latest `master` snapshot (registry and Kong databases, WireGuard key and peers,',
    '   Caddy, Authelia, `.env`):',
    '',
    '   ```sh',
    `   ssh ${host} sudo supafleet-master-restore`,
    '   ```',
    '',
    `4. Check that \`https://fleet.${fleet.domain}/healthz\` answers \`{"ok":true}\`.`,
    '',
    "DNS and the master's WireGuard key stay the same, so the workers reconnect by themselves.",
    `Details and what to do without a snapshot: ${GUIDE}, "Replacing the master".`,
    '',
  ].join('\n');
}
