/** The master action's job summaries: what happened and the operator's exact next steps. */
import type { Server } from '../../../core/hetzner/types.ts';
import type { ResolvedFleet } from '../../../core/spec/defaults.ts';
import { MASTER_KEY_FILES, keyInstallCommand } from '../../../cloud-init/master/keys.ts';

const GUIDE = 'docs/running-your-fleet.md';

/**
 * After a create: `supafleet init` carries on from here (it dispatched this run, or picks the server up
 * when run again), so the summary names what init does and lists only what stays the operator's.
 */
export function createdSummary(fleet: ResolvedFleet, server: Server, ipv4: string): string {
  const d = fleet.domain;
  const records = [`fleet.${d}`, `*.${d}`];
  if (fleet.admin_domain !== `admin.${d}`) records.push(`*.${fleet.admin_domain}`);
  const box = fleet.storage_box;
  return [
    '### supafleet master',
    '',
    `Server \`${server.name}\` (id ${server.id}) created in ${fleet.master.server.location}, IPv4 \`${ipv4}\`.`,
    '',
    '`supafleet init` takes it from here: it prints the DNS records and waits until they resolve, installs',
    `the fleet seal key and the Storage Box key on the master over SSH as \`${fleet.ssh.user}\`, and waits for`,
    `\`https://fleet.${d}/healthz\`. If init did not start this run, or stopped, run \`npx supafleet init\``,
    'again: it keeps this server and carries on.',
    '',
    'What stays yours:',
    '',
    `1. Create the DNS records (A): ${records.map((r) => `\`${r}\``).join(', ')} → \`${ipv4}\`.`,
    '2. Once, if init made the Storage Box key: put its public half on the box (init prints this command',
    "   last; it asks for the box's password):",
    '',
    '   ```sh',
    `   cat ~/.config/supafleet/${fleet.name}/backup.key.pub | ssh -p23 ${box.user}@${box.host} install-ssh-key`,
    '   ```',
    '',
    "3. Optional: pin the master's WireGuard key, `sudo wg show wg0 public-key` on the master, as the",
    '   repository variable `SUPAFLEET_MASTER_WG_PUBLIC_KEY`.',
    '',
    `Each step by hand, without init: ${GUIDE}, "6. The master".`,
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
