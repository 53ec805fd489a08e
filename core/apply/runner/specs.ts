/**
 * Loads the fleet's specs for an action; on errors annotates each at file:line
 * (paths relative to the workspace, as GitHub matches them) and returns them.
 */
import { relative, resolve } from 'node:path';
import { loadFleetDir } from '../../spec/load.ts';
import type { SpecError } from '../../spec/errors.ts';
import type { FleetSpec, ProjectSpec } from '../../spec/types.ts';
import { annotateSpecErrors } from './core-io.ts';

export type LoadedSpecs =
  | { readonly ok: true; readonly fleet: FleetSpec; readonly projects: ProjectSpec[] }
  | { readonly ok: false; readonly errors: SpecError[] };

export async function loadSpecs(workspace: string, root: string): Promise<LoadedSpecs> {
  const dir = resolve(workspace, root);
  const loaded = await loadFleetDir(dir);
  if (loaded.ok && loaded.fleet) return { ok: true, fleet: loaded.fleet, projects: loaded.projects };
  const errors = loaded.errors.map((e) => ({
    ...e,
    file: relative(workspace, resolve(dir, e.file)).split('\\').join('/'),
  }));
  annotateSpecErrors(errors);
  return { ok: false, errors };
}

/** The spec errors as Markdown, for the pull request comment and the job summary. */
export function specErrorsMarkdown(marker: string, errors: readonly SpecError[]): string {
  const lines = [
    marker,
    '### supafleet plan',
    '',
    `**${errors.length} spec error${errors.length === 1 ? '' : 's'}: nothing was planned.** Fix them and push again.`,
    '',
  ];
  for (const e of errors.slice(0, 50)) {
    const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
    lines.push(`- \`${where}\`${e.path ? ` \`${e.path}\`` : ''}: ${e.message.replaceAll('\n', ' ')}`);
  }
  if (errors.length > 50) lines.push(`- …and ${errors.length - 50} more (see the annotations and the log)`);
  return `${lines.join('\n')}\n`;
}
