import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT, UsageError, type CommandIo } from '../io.ts';
import { formatError } from '../report.ts';

const PROJECT_FILE = /^([a-z][a-z0-9-]{1,31})\.yaml$/;

/** The raw URL of a project's badge JSON on the badge branch (shields needs https and refuses github.com). */
export function badgeJsonUrl(repository: string, branch: string, project: string): string {
  return `https://raw.githubusercontent.com/${repository}/${encodeURIComponent(branch).replaceAll('%2F', '/')}/badges/${project}.json`;
}

/** README Markdown of one project's badge, linking to its spec. */
export function badgeMarkdown(repository: string, branch: string, project: string): string {
  const image = `https://img.shields.io/endpoint?url=${encodeURIComponent(badgeJsonUrl(repository, branch, project))}`;
  return `[![${project}](${image})](https://github.com/${repository}/blob/main/projects/${project}.yaml)`;
}

/**
 * `supafleet badges [--root DIR] [--branch NAME] [--repository OWNER/NAME]`: README badge
 * Markdown for every project, one line each; the health workflow keeps the JSON behind them
 * on the badge branch.
 */
export function registerBadges(program: Command, io: CommandIo): void {
  program
    .command('badges')
    .description('print README badge Markdown for every project (health from the supafleet-status branch)')
    .option('--root <dir>', 'the fleet directory (holding fleet.yaml and projects/)', '.')
    .option('--branch <name>', 'the branch the health workflow writes badges to', 'supafleet-status')
    .option(
      '--repository <owner/name>',
      "the fleet's GitHub repository (default: github.repository in fleet.yaml)",
    )
    .option('--json', 'print {"repository", "branch", "badges": [{project, json, markdown}]}')
    .action(async (opts: { root: string; branch: string; repository?: string; json?: boolean }) => {
      const root = resolve(io.cwd, opts.root);
      let repository = opts.repository;
      if (repository === undefined) {
        const { loadFleetFile } = await import('../../core/spec/index.ts');
        const fleet = await loadFleetFile(root);
        const value = fleet.value as { github?: { repository?: unknown } } | undefined;
        if (fleet.errors.length > 0 || typeof value?.github?.repository !== 'string') {
          for (const error of fleet.errors) io.stderr.write(`${formatError(error)}\n`);
          const why =
            fleet.errors.length > 0
              ? 'fleet.yaml is not valid: fix it, or pass --repository owner/name'
              : 'fleet.yaml has no github.repository: add it, or pass --repository owner/name';
          if (opts.json)
            io.stdout.write(`${JSON.stringify({ ok: false, error: why, errors: fleet.errors })}\n`);
          io.stderr.write(`${why}\n`);
          io.setExitCode(EXIT.invalid);
          return;
        }
        repository = value.github.repository;
      }
      if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
        throw new UsageError(`--repository ${JSON.stringify(repository)} is not valid; expected owner/name`);
      }
      if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(opts.branch) || opts.branch.includes('..')) {
        throw new UsageError(`--branch ${JSON.stringify(opts.branch)} is not a branch name`);
      }
      let names: string[];
      try {
        names = readdirSync(join(root, 'projects'))
          .map((f) => PROJECT_FILE.exec(f)?.[1])
          .filter((n): n is string => n !== undefined)
          .sort();
      } catch {
        names = [];
      }
      if (opts.json) {
        const badges = names.map((project) => ({
          project,
          json: badgeJsonUrl(repository, opts.branch, project),
          markdown: badgeMarkdown(repository, opts.branch, project),
        }));
        io.stdout.write(`${JSON.stringify({ repository, branch: opts.branch, badges }, null, 2)}\n`);
      } else {
        for (const name of names) io.stdout.write(`${badgeMarkdown(repository, opts.branch, name)}\n`);
      }
      if (names.length === 0) io.stderr.write('no projects/*.yaml: no badges to print\n');
      io.setExitCode(EXIT.ok);
    });
}
