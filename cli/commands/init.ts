import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import type { InitFlags } from '../init/settings.ts';
import { EXIT, type CommandIo } from '../io.ts';
import { progressFor } from '../style.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * `supafleet init`: sets a fleet repository up (fleet.yaml, seal key, GitHub secrets, variables
 * and environment, Hetzner token check, Storage Box, the master and its DNS). Asks on a terminal;
 * `--yes` never asks and fails on a missing value naming its flag. Safe to re-run: it shows its
 * plan and changes only what differs. Exit 1 when a check fails.
 */
export function registerInit(program: Command, io: CommandIo): void {
  program
    .command('init')
    .description(
      'set up a fleet: fleet.yaml, seal key, GitHub secrets and environment, tokens, the master, DNS',
    )
    .option('--root <dir>', 'the fleet directory (holding fleet.yaml)', '.')
    .option(
      '--repo <owner/name>',
      'the fleet repository on GitHub (default: fleet.yaml, else $GITHUB_REPOSITORY)',
    )
    .option('--name <name>', 'fleet name (default prod)')
    .option('--domain <domain>', 'projects are served at <project>.<domain>')
    .option('--admin-domain <domain>', 'the admin zone (default admin.<domain>)')
    .option('--location <location>', 'Hetzner location of the master (default fsn1)')
    .option('--master-type <type>', 'Hetzner server type of the master (default cx32)')
    .option('--network <cidr>', 'WireGuard network (default 10.100.0.0/24)')
    .option('--tls <mode>', 'on_demand (default) or wildcard_dns')
    .option('--storage-box-host <host>', 'uXXXXXX.your-storagebox.de')
    .option('--storage-box-user <user>', 'uXXXXXX (default: from the host)')
    .option('--storage-box-id <id>', 'the Storage Box id: one sub-account per project')
    .option('--ssh-user <user>', 'SSH user on the servers (default deploy)')
    .option(
      '--ssh-key <key>',
      'an SSH public key for that user (repeatable; default ~/.ssh/id_ed25519.pub)',
      collect,
    )
    .option('--reviewer <login>', 'a required reviewer of production runs (repeatable)', collect)
    .option('--master-url <url>', 'the master API (default https://fleet.<domain>)')
    .option(
      '--key-dir <dir>',
      'where the seal private key is kept, outside the repository (default ~/.config/supafleet/<name>)',
    )
    .option('--backup-key <file>', "the Storage Box main account's private key, installed on the master")
    .option('--wait-minutes <n>', 'give up each wait (master, DNS, health) after this long (default 20)')
    .option('--plan', 'show what would change, change nothing')
    .option('--check-tokens', 'check the Hetzner tokens even when their secrets already exist')
    .option('--skip-master', 'stop after GitHub: no master workflow, no DNS or health wait')
    .option('-y, --yes', 'never ask: values from flags, fleet.yaml and defaults only')
    .option('--json', 'print what it did as JSON')
    .option('--print-private-key', 'also print the seal private key made by this run')
    .action(async (flags: InitFlags) => {
      const { resolveSettings } = await import('../init/settings.ts');
      const { realInitDeps } = await import('../init/real-deps.ts');
      const { runInit, FLEET_FILE } = await import('../init/run.ts');
      const { readFileSync } = await import('node:fs');
      const readText = (path: string): string | undefined => {
        try {
          return readFileSync(path, 'utf8');
        } catch {
          return undefined;
        }
      };
      const interactive = flags.yes !== true && io.stdinIsTty;
      const rl = interactive ? await terminal() : undefined;
      try {
        const ask = rl
          ? async (question: string, fallback?: string) =>
              rl.question(`${question}${fallback ? ` [${fallback}]` : ''} `)
          : undefined;
        const root = resolve(io.cwd, flags.root);
        const settings = await resolveSettings(
          flags,
          io.env,
          io.cwd,
          readText(join(root, FLEET_FILE)),
          readText,
          ask,
        );
        const progress = progressFor(io, flags.json === true);
        const real = realInitDeps(settings, {
          say: (line) => {
            progress.done();
            io.stderr.write(`${line}\n`);
          },
          progress: (text) => (text === '' ? progress.done() : progress.update(text)),
          ...(rl
            ? { confirm: async (q: string) => !/^n/i.test((await rl.question(`${q} [Y/n] `)).trim()) }
            : {}),
        });
        const deps = io.initDeps ? io.initDeps(real) : real;
        const report = await runInit(settings, deps);
        progress.done();
        if (flags.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          for (const p of report.problems) io.stderr.write(`error: ${p}\n`);
          if (report.next.length > 0) {
            io.stdout.write('Left for you to run:\n');
            for (const line of report.next) io.stdout.write(`  ${line}\n`);
          }
          if (report.sealPrivateKey)
            io.stdout.write(
              `Seal private key (store it in your password manager):\n  ${report.sealPrivateKey}\n`,
            );
          io.stdout.write(
            report.ok ? 'supafleet init: done\n' : 'supafleet init: not done (see the errors above)\n',
          );
        }
        io.setExitCode(report.ok ? EXIT.ok : EXIT.invalid);
      } finally {
        rl?.close();
      }
    });
}

/** Prompts on the terminal: questions on standard error, so standard output stays for results. */
async function terminal() {
  const { createInterface } = await import('node:readline/promises');
  return createInterface({ input: process.stdin, output: process.stderr });
}
