import type { Issue, SpecError } from './errors.ts';
import { toPointer } from './errors.ts';
import type { Locator } from './locate.ts';
import { projectIssues, type ProjectContext } from './check-project.ts';
import { fleetIssues } from './check-fleet.ts';
import { REFINED_KEYWORDS, schemaIssues, type SchemaIssue } from './schema-check.ts';
import { stringAt } from './walk.ts';

/**
 * Schema findings plus rule findings. Where a rule reports on a value, the
 * schema's terser pattern/format finding for the same value is dropped: the
 * rule's message says more.
 */
export function combine(schema: readonly SchemaIssue[], rules: readonly Issue[]): Issue[] {
  const refined = new Set(rules.map((i) => toPointer(i.path)));
  const kept = schema.filter((i) => !(REFINED_KEYWORDS.has(i.keyword) && refined.has(toPointer(i.path))));
  return [...kept, ...rules];
}

/** Every finding in one project document. */
export function projectDocumentIssues(value: unknown, ctx: ProjectContext): Issue[] {
  return combine(schemaIssues('project', value), projectIssues(value, ctx));
}

/** Every finding in the fleet document. */
export function fleetDocumentIssues(value: unknown): Issue[] {
  return combine(schemaIssues('fleet', value), fleetIssues(value));
}

/** Places findings in a file. */
export function locateIssues(issues: readonly Issue[], file: string, locate: Locator): SpecError[] {
  return issues.map((issue) => {
    const { line, column } = locate(issue.path, issue.at ?? 'value');
    return { file, line, column, path: toPointer(issue.path), message: issue.message };
  });
}

/** The host label a project is served under: its subdomain, or its name. */
export function effectiveSubdomain(
  spec: unknown,
): { readonly value: string; readonly key: 'subdomain' | 'name' } | undefined {
  const subdomain = stringAt(spec, ['subdomain']);
  if (subdomain !== undefined) return { value: subdomain, key: 'subdomain' };
  const name = stringAt(spec, ['name']);
  return name === undefined ? undefined : { value: name, key: 'name' };
}

/**
 * Why a project may not claim a host label another project file already claims (`by`,
 * `projects/blog.yaml`): the message `supafleet validate` prints for the second file.
 */
export function subdomainTakenMessage(subdomain: string, by: string): string {
  return `subdomain ${JSON.stringify(subdomain)} is already used by ${by}; expected a subdomain of its own (set subdomain: to another label)`;
}
