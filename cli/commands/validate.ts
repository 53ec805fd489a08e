import type { Command } from 'commander';
import { resolve } from 'node:path';
import { EXIT, type CommandIo } from '../io.ts';
import { formatAnnotation, formatError } from '../report.ts';
import { styleFor } from '../style.ts';

/** `supafleet validate [--root DIR] [--json]`: checks fleet.yaml and every projects/*.yaml. */
export function registerValidate(program: Command, io: CommandIo): void {
  program
    .command('validate')
    .description('check fleet.yaml and every projects/*.yaml; exit 0 when valid, 1 when not')
    .option('--root <dir>', 'the fleet directory (holding fleet.yaml and projects/)', '.')
    .option('--json', 'print {"ok", "projects", "errors": [{file, line, column, path, message}]}')
    .action(async (opts: { root: string; json?: boolean }) => {
      const root = resolve(io.cwd, opts.root);
      // Loaded when run, so `--help` and the other commands do not pay for the schemas.
      const { loadFleetDir } = await import('../../core/spec/index.ts');
      const result = await loadFleetDir(root);
      if (opts.json) {
        const body = { ok: result.ok, projects: result.projectFiles, errors: result.errors };
        io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      } else {
        const out = styleFor(io, 'stdout');
        const err = styleFor(io, 'stderr');
        for (const error of result.errors) io.stdout.write(`${formatError(error, out)}\n`);
        if (io.env.GITHUB_ACTIONS === 'true') {
          for (const error of result.errors) io.stdout.write(`${formatAnnotation(error, root, io.cwd)}\n`);
        }
        const files = new Set(result.errors.map((e) => e.file)).size;
        const projects = `${result.projectFiles} project${result.projectFiles === 1 ? '' : 's'}`;
        io.stderr.write(
          result.ok
            ? `${err.green('ok')}: fleet.yaml and ${projects} are valid\n`
            : `${err.red(`${result.errors.length} error${result.errors.length === 1 ? '' : 's'}`)} in ${files} file${files === 1 ? '' : 's'} (fleet.yaml and ${projects} checked)\n`,
        );
      }
      io.setExitCode(result.ok ? EXIT.ok : EXIT.invalid);
    });
}
