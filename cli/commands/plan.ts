import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { ActualState } from '../../core/plan/index.ts';
import { EXIT, UsageError, type CommandIo } from '../io.ts';
import { formatError } from '../report.ts';
import { progressFor } from '../style.ts';

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
      const live = opts.master !== undefined ? await liveSources(opts.master, io.env) : undefined;
      const root = resolve(io.cwd, opts.root);
      // Loaded when run, so the other commands do not pay for the planner and the clients.
      const { loadFleetDir } = await import('../../core/spec/index.ts');
      const { plan, renderJson, renderMarkdown, renderText } = await import('../../core/plan/index.ts');
      const loaded = await loadFleetDir(root);
      if (!loaded.ok || !loaded.fleet) {
        if (opts.json) io.stdout.write(`${JSON.stringify({ ok: false, errors: loaded.errors }, null, 2)}\n`);
        for (const error of loaded.errors) io.stderr.write(`${formatError(error)}\n`);
        io.stderr.write(`${loaded.errors.length} error(s): fix them, then plan again\n`);
        io.setExitCode(EXIT.invalid);
        return;
      }
      const progress = progressFor(io, opts.json === true || opts.markdown === true);
      if (live)
        progress.update(`reading ${live.url}${live.hetzner ? " and the fleet's Hetzner servers" : ''}…`);
      const say = (line: string): void => {
        progress.done();
        io.stderr.write(`${line}\n`);
      };
      const { readActual } = await import('../../core/apply/actual.ts');
      const actual = await (
        live
          ? readActual(
              {
                master: live.master,
                ...(live.hetzner ? { hetzner: live.hetzner } : {}),
                log: {
                  info: (l) => say(l),
                  warn: (l) => say(`warning: ${l}`),
                  error: (l) => say(`error: ${l}`),
                  mask: () => {},
                },
              },
              { fleet: loaded.fleet, desired: loaded.projects },
            )
          : Promise.resolve(EMPTY)
      ).finally(() => progress.done());
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
async function liveSources(url: string, env: Readonly<Record<string, string | undefined>>) {
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
  const { createMasterClient } = await import('../../core/master-client/client.ts');
  const { HetznerClient } = await import('../../core/hetzner/client.ts');
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
