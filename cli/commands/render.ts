import type { Command } from 'commander';
import { resolve } from 'node:path';
import { loadFleetDir, type LoadResult } from '../../core/spec/index.ts';
import {
  formatSizeTable,
  renderMasterOutput,
  renderWorkerOutput,
  type RenderOutput,
} from '../../cloud-init/render-command.ts';
import { writeRenderedFiles } from '../../cloud-init/write-files.ts';
import { EXIT, type CommandIo } from '../io.ts';
import { formatError } from '../report.ts';

interface RenderOptions {
  root: string;
  out: string;
  project?: string;
}

/** Loads and checks the fleet; prints the errors and returns undefined when it is not valid. */
async function loadValid(root: string, io: CommandIo): Promise<LoadResult | undefined> {
  const result = await loadFleetDir(root);
  if (result.ok && result.fleet) return result;
  for (const error of result.errors) io.stderr.write(`${formatError(error)}\n`);
  io.stderr.write('render: the fleet is not valid (see `supafleet validate`)\n');
  io.setExitCode(EXIT.invalid);
  return undefined;
}

async function finish(io: CommandIo, out: string, rendered: RenderOutput): Promise<void> {
  await writeRenderedFiles(out, rendered.files);
  io.stdout.write(formatSizeTable(rendered));
  io.setExitCode(EXIT.ok);
}

/**
 * `supafleet render worker --project NAME` and `supafleet render master`: write a
 * server's user_data and its stack (with placeholder secrets) and print the sizes.
 */
export function registerRender(program: Command, io: CommandIo): void {
  const render = program
    .command('render')
    .description("write a server's user_data and stack files (placeholder secrets) and print their sizes");
  render
    .command('worker')
    .description('OUT/user-data.yaml and OUT/bundle/... for one project')
    .option('--root <dir>', 'the fleet directory (holding fleet.yaml and projects/)', '.')
    .requiredOption('--project <name>', 'the project to render')
    .requiredOption('--out <dir>', 'output directory')
    .action(async (opts: RenderOptions) => {
      const loaded = await loadValid(resolve(io.cwd, opts.root), io);
      if (!loaded?.fleet) return;
      const project = loaded.projects.find((p) => p.name === opts.project);
      if (!project) {
        io.stderr.write(
          `render: no project named ${JSON.stringify(opts.project)}; expected one of: ${loaded.projects.map((p) => p.name).join(', ')}\n`,
        );
        io.setExitCode(EXIT.usage);
        return;
      }
      await finish(io, resolve(io.cwd, opts.out), renderWorkerOutput(loaded.fleet, project));
    });
  render
    .command('master')
    .description('OUT/user-data.yaml and OUT/stack/... for the master')
    .option('--root <dir>', 'the fleet directory (holding fleet.yaml and projects/)', '.')
    .requiredOption('--out <dir>', 'output directory')
    .action(async (opts: RenderOptions) => {
      const loaded = await loadValid(resolve(io.cwd, opts.root), io);
      if (!loaded?.fleet) return;
      await finish(io, resolve(io.cwd, opts.out), renderMasterOutput(loaded.fleet));
    });
}
