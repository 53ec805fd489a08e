import type { Command } from 'commander';
import { resolve } from 'node:path';
import { plan, renderJson, renderMarkdown, renderText } from '../../core/plan/index.ts';
import type { ActualState } from '../../core/plan/index.ts';
import { readActual } from '../../core/apply/actual.ts';
import { HetznerClient } from '../../core/hetzner/client.ts';
import { createMasterClient } from '../../core/master-client/client.ts';
import { loadFleetDir } from '../../core/spec/index.ts';
import { EXIT, UsageError, type CommandIo } from '../io.ts';
import { formatError } from '../report.ts';

/** Actual state when nothing exists yet: every project is a create. */
const EMPTY: ActualState = { projects: [], servers: [] };

/**
 * `supafleet plan [--root DIR] [--json | --markdown] [--master URL]`: validates the fleet
 * and plans it — offline against an empty actual state (what a brand-new fleet would get),
 * or with `--master` against the live registry (token from SUPAFLEET_API_TOKEN, read scope)
 * and, when HCLOUD_TOKEN is set, the fleet's labelled Hetzner servers. Exit 1 when the
 * specs are invalid or a step is blocked.
 */
export function registerPlan(program: Command, io: CommandIo): void {
  program
    .command('plan')
    .description('plan the fleet: creates, updates, deletes, blocked steps and the monthly cost')
    .option('--root <dir>', 'the fleet directory (holding fleet.yaml and projects/)', '.')
    .option('--json', 'print the plan as JSON')
    .option('--markdown', 'print the plan as the pull-request comment Markdown')
    .option(
      '--master <url>',
      'plan against a live master (token from $SUPAFLEET_API_TOKEN; servers from Hetzner when $HCLOUD_TOKEN is set)',
    )
    .action(async (opts: { root: string; json?: boolean; markdown?: boolean; master?: string }) => {
      if (opts.json && opts.markdown) throw new UsageError('choose one of --json and --markdown');
      const live = opts.master !== undefined ? liveSources(opts.master, io.env) : undefined;
      const root = resolve(io.cwd, opts.root);
      const loaded = await loadFleetDir(root);
      if (!loaded.ok || !loaded.fleet) {
        for (const error of loaded.errors) io.stderr.write(`${formatError(error)}\n`);
        io.stderr.write(`${loaded.errors.length} error(s): fix them, then plan again\n`);
        io.setExitCode(EXIT.invalid);
        return;
      }
      const actual = live
        ? await readActual(
            {
              master: live.master,
              ...(live.hetzner ? { hetzner: live.hetzner } : {}),
              log: {
                info: (l) => io.stderr.write(`${l}\n`),
                warn: (l) => io.stderr.write(`warning: ${l}\n`),
                error: (l) => io.stderr.write(`error: ${l}\n`),
                mask: () => {},
              },
            },
            { fleet: loaded.fleet, desired: loaded.projects },
          )
        : EMPTY;
      const result = plan({ fleet: loaded.fleet, projects: loaded.projects }, actual);
      const text = opts.json
        ? renderJson(result)
        : opts.markdown
          ? `${renderMarkdown(result)}\n`
          : renderText(result);
      io.stdout.write(text);
      if (!opts.json && !opts.markdown) {
        io.stderr.write(
          !live
            ? 'offline plan: actual state taken as empty (no master, no Hetzner servers)\n'
            : live.hetzner
              ? `planned against ${live.url} and the fleet's Hetzner servers\n`
              : `planned against ${live.url}; Hetzner servers not read (HCLOUD_TOKEN is not set)\n`,
        );
      }
      io.setExitCode(result.ok ? EXIT.ok : EXIT.invalid);
    });
}

/** The live sources of `--master`: the master (required token) and Hetzner (optional token). */
function liveSources(url: string, env: Readonly<Record<string, string | undefined>>) {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--master "${url}" is not a URL; expected e.g. https://fleet.example.com`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new UsageError(`--master "${url}" must be https (plain http only on loopback)`);
  }
  const token = env.SUPAFLEET_API_TOKEN ?? '';
  if (token === '') {
    throw new UsageError(
      'SUPAFLEET_API_TOKEN is not set: --master needs a master API token with read scope (supafleet master token create)',
    );
  }
  const hcloud = env.HCLOUD_TOKEN ?? '';
  const base = parsed.toString().replace(/\/$/, '');
  return {
    url: base,
    master: createMasterClient({ baseUrl: base, token: async () => token, tries: 3 }),
    hetzner:
      hcloud === ''
        ? undefined
        : new HetznerClient({
            token: hcloud,
            ...(env.HCLOUD_ENDPOINT ? { endpoint: env.HCLOUD_ENDPOINT } : {}),
          }),
  };
}
