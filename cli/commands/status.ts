import type { Command } from 'commander';
import { EXIT, UsageError, type CommandIo } from '../io.ts';
import { masterAccess, timeoutFlag } from '../master-flags.ts';
import { progressFor, styleFor } from '../style.ts';

interface StatusFlags {
  master?: string;
  timeout: string;
  json?: boolean;
}

/**
 * `supafleet status`: the fleet at a glance, as the console's Fleet page shows it, from the
 * master's `/console/api/fleet` with a read token. Exits 0 when every project and the master are
 * healthy, 1 when one is not, 2 when the master cannot be read (or on a usage error).
 */
export function registerStatus(program: Command, io: CommandIo): void {
  program
    .command('status')
    .description(
      'the fleet at a glance: every project with its health, heartbeat, revision, WireGuard, server, cost and last backup',
    )
    .option(
      '--master <url>',
      'the master API (default $SUPAFLEET_MASTER_URL); token in $SUPAFLEET_API_TOKEN (read scope)',
    )
    .option('--timeout <seconds>', "each request's time limit", '10')
    .option('--json', 'print the fleet data as JSON')
    .action(async (opts: StatusFlags) => {
      const timeoutMs = timeoutFlag(opts.timeout);
      const access = masterAccess(opts.master, io, 'read');
      const { readFleet } = await import('../../core/fleet-status/read.ts');
      const { allHealthy, formatStatus } = await import('../../core/fleet-status/format.ts');
      const progress = progressFor(io, opts.json === true);
      progress.update(`status: reading the fleet from ${access.url}…`);
      const read = await readFleet({ masterUrl: access.url, token: access.token, timeoutMs }).finally(() =>
        progress.done(),
      );
      if (!read.ok) {
        const why =
          read.kind === 'unauthorized'
            ? `the master refused the token in SUPAFLEET_API_TOKEN (${read.message})`
            : read.kind === 'forbidden'
              ? `the token in SUPAFLEET_API_TOKEN lacks the read scope (${read.message})`
              : `cannot read the fleet from ${access.url}: ${read.message}`;
        throw new UsageError(`${why}; run supafleet doctor for the first broken layer`);
      }
      const ok = allHealthy(read.fleet);
      if (opts.json) io.stdout.write(`${JSON.stringify({ ok, ...read.fleet }, null, 2)}\n`);
      else for (const line of formatStatus(read.fleet, styleFor(io, 'stdout'))) io.stdout.write(`${line}\n`);
      io.setExitCode(ok ? EXIT.ok : EXIT.invalid);
    });
}
