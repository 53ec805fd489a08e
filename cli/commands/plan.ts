import type { Command } from 'commander';
import { resolve } from 'node:path';
import { plan, renderJson, renderMarkdown, renderText } from '../../core/plan/index.ts';
import type { ActualState } from '../../core/plan/index.ts';
import { loadFleetDir } from '../../core/spec/index.ts';
import { EXIT, UsageError, type CommandIo } from '../io.ts';
import { formatError } from '../report.ts';

/** Actual state when nothing exists yet: every project is a create. */
const EMPTY: ActualState = { projects: [], servers: [] };

/**
 * `supafleet plan [--root DIR] [--json | --markdown]`: validates the fleet and plans it
 * offline against an empty actual state (what a brand-new fleet would get). Exit 1 when
 * the specs are invalid or a step is blocked.
 */
export function registerPlan(program: Command, io: CommandIo): void {
  program
    .command('plan')
    .description('plan the fleet: creates, updates, deletes, blocked steps and the monthly cost')
    .option('--root <dir>', 'the fleet directory (holding fleet.yaml and projects/)', '.')
    .option('--json', 'print the plan as JSON')
    .option('--markdown', 'print the plan as the pull-request comment Markdown')
    .option('--master <url>', 'plan against a live master (not available yet: the plan action does this)')
    .action(async (opts: { root: string; json?: boolean; markdown?: boolean; master?: string }) => {
      if (opts.json && opts.markdown) throw new UsageError('choose one of --json and --markdown');
      if (opts.master !== undefined) {
        throw new UsageError(
          'planning against a live master is not available in the CLI yet; run without --master for an offline plan',
        );
      }
      const root = resolve(io.cwd, opts.root);
      const loaded = await loadFleetDir(root);
      if (!loaded.ok || !loaded.fleet) {
        for (const error of loaded.errors) io.stderr.write(`${formatError(error)}\n`);
        io.stderr.write(`${loaded.errors.length} error(s): fix them, then plan again\n`);
        io.setExitCode(EXIT.invalid);
        return;
      }
      const result = plan({ fleet: loaded.fleet, projects: loaded.projects }, EMPTY);
      const text = opts.json
        ? renderJson(result)
        : opts.markdown
          ? `${renderMarkdown(result)}\n`
          : renderText(result);
      io.stdout.write(text);
      if (!opts.json && !opts.markdown) {
        io.stderr.write('offline plan: actual state taken as empty (no master, no Hetzner servers)\n');
      }
      io.setExitCode(result.ok ? EXIT.ok : EXIT.invalid);
    });
}
