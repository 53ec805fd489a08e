import { relative, resolve } from 'node:path';
import type { SpecError } from '../core/spec/index.ts';
import type { Style } from './style.ts';

/**
 * `projects/acme.yaml:4:9 /server/type: message` (the path left out when the error is about the
 * whole file, which sits at line 1, column 1).
 */
export function formatError(error: SpecError, style?: Style): string {
  const where = `${error.file}:${error.line}:${error.column}`;
  const path = error.path === '' ? '' : ` ${error.path}`;
  return style
    ? `${style.bold(where)}${style.red(path)}: ${error.message}`
    : `${where}${path}: ${error.message}`;
}

/**
 * A GitHub Actions `::error` workflow command, so the error shows on the line
 * of the pull request's diff. The file is made relative to the workspace
 * (`cwd`), since GitHub matches annotations by repository path.
 */
export function formatAnnotation(error: SpecError, root: string, cwd: string): string {
  const file = relative(cwd, resolve(root, error.file)).split('\\').join('/');
  const properties = [
    `file=${escapeProperty(file)}`,
    `line=${error.line}`,
    `col=${error.column}`,
    'title=supafleet validate',
  ];
  const message = error.path === '' ? error.message : `${error.path}: ${error.message}`;
  return `::error ${properties.join(',')}::${escapeData(message)}`;
}

function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}
