import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { LoadResult } from '../../core/spec/index.ts';
import type { RenderOutput } from '../../cloud-init/render-command.ts';
import { EXIT, UsageError, type CommandIo } from '../io.ts';
import { formatError } from '../report.ts';

interface RenderOptions {
  root: string;
  out: string;
  project?: string;
  json?: boolean;
}

/** What render --json prints. */
const JSON_HELP = 'print {"ok", "out", "files": [{path, bytes}], "userData": {bytes, limit, target, ok}}';

/** Loads and checks the fleet; prints the errors and returns undefined when it is not valid. */
async function loadValid(root: string, io: CommandIo, json: boolean): Promise<LoadResult | undefined> {
  // Loaded when run: the renderers and their static files are only needed here.
  const { loadFleetDir } = await import('../../core/spec/index.ts');
  const result = await loadFleetDir(root);
  if (result.ok && result.fleet) return result;
  if (json) io.stdout.write(`${JSON.stringify({ ok: false, errors: result.errors }, null, 2)}\n`);
  for (const error of result.errors) io.stderr.write(`${formatError(error)}\n`);
  io.stderr.write('render: the fleet is not valid (see `supafleet validate`)\n');
  io.setExitCode(EXIT.invalid);
  return undefined;
}

async function finish(io: CommandIo, out: string, rendered: RenderOutput, json: boolean): Promise<void> {
  const { writeRenderedFiles } = await import('../../cloud-init/write-files.ts');
  await writeRenderedFiles(out, rendered.files);
  if (json) {
    const { USER_DATA_LIMIT } = await import('../../cloud-init/shared/budget.ts');
    const bytes = rendered.userData.bytes;
    const body = {
      ok: true,
      out,
      files: [...rendered.files].map(([path, content]) => ({
        path,
        bytes: Buffer.byteLength(content, 'utf8'),
      })),
      userData: { bytes, limit: USER_DATA_LIMIT, target: rendered.target, ok: bytes <= rendered.target },
    };
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    const { formatSizeTable } = await import('../../cloud-init/render-command.ts');
    io.stdout.write(formatSizeTable(rendered));
  }
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
    .option('--json', JSON_HELP)
    .action(async (opts: RenderOptions) => {
      const loaded = await loadValid(resolve(io.cwd, opts.root), io, opts.json === true);
      if (!loaded?.fleet) return;
      const project = loaded.projects.find((p) => p.name === opts.project);
      if (!project) {
        throw new UsageError(
          `render: no project named ${JSON.stringify(opts.project)}; expected one of: ${loaded.projects.map((p) => p.name).join(', ')}`,
        );
      }
      const { renderWorkerOutput } = await import('../../cloud-init/render-command.ts');
      const rendered = renderWorkerOutput(loaded.fleet, project);
      await finish(io, resolve(io.cwd, opts.out), rendered, opts.json === true);
    });
  render
    .command('master')
    .description('OUT/user-data.yaml and OUT/stack/... for the master')
    .option('--root <dir>', 'the fleet directory (holding fleet.yaml and projects/)', '.')
    .requiredOption('--out <dir>', 'output directory')
    .option('--json', JSON_HELP)
    .action(async (opts: RenderOptions) => {
      const loaded = await loadValid(resolve(io.cwd, opts.root), io, opts.json === true);
      if (!loaded?.fleet) return;
      const { renderMasterOutput } = await import('../../cloud-init/render-command.ts');
      const rendered = renderMasterOutput(loaded.fleet);
      await finish(io, resolve(io.cwd, opts.out), rendered, opts.json === true);
    });
}
