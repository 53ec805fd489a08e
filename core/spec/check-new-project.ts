import type { SpecError } from './errors.ts';
import { compareErrors, quote } from './errors.ts';
import {
  effectiveSubdomain,
  locateIssues,
  projectDocumentIssues,
  subdomainTakenMessage,
} from './findings.ts';
import type { Locator } from './locate.ts';
import { domainProblem } from './rules/dns.ts';
import { stringAt } from './walk.ts';

// locate.ts's noSource, without importing the YAML parser into the console's page.
const noSource: Locator = () => ({ line: 1, column: 1 });

/** A project the fleet already has: its name and the host label it is served under. */
export interface TakenProject {
  readonly name: string;
  readonly subdomain: string;
}

/** What checking a new project knows about the fleet. */
export interface NewProjectContext {
  /** The fleet's domain: the project's host must fit in DNS. */
  readonly domain?: string;
  /** The fleet's projects. */
  readonly taken: readonly TakenProject[];
}

/** The file a project named `name` lives in. */
export function projectFile(name: string): string {
  return `projects/${name}.yaml`;
}

/**
 * Checks a project about to be added to the fleet as `projects/<name>.yaml` (the console's New
 * project form): every finding `supafleet validate` reports for that file (the schema, the rules,
 * the subdomain another file claims, with the same messages), and that no project of the fleet
 * has the name already. Pure, so the console runs it in the browser. Errors have no source text:
 * line 1, column 1, and the JSON path of the field.
 */
export function checkNewProject(spec: unknown, ctx: NewProjectContext): SpecError[] {
  const name = stringAt(spec, ['name']);
  const domain = ctx.domain !== undefined && domainProblem(ctx.domain) === undefined ? ctx.domain : undefined;
  const issues = projectDocumentIssues(spec, {
    ...(name !== undefined ? { fileName: name } : {}),
    ...(domain !== undefined ? { domain } : {}),
  });
  if (name !== undefined && ctx.taken.some((p) => p.name === name)) {
    issues.push({
      path: ['name'],
      message: `project ${quote(name)} already exists (${projectFile(name)}); expected a name no project of the fleet has`,
    });
  }
  const mine = effectiveSubdomain(spec);
  // The project of the same name is reported above; its subdomain is not a second mistake.
  const other = mine && ctx.taken.find((p) => p.name !== name && p.subdomain === mine.value);
  if (mine && other) {
    issues.push({ path: [mine.key], message: subdomainTakenMessage(mine.value, projectFile(other.name)) });
  }
  return locateIssues(issues, name !== undefined ? projectFile(name) : '', noSource).sort(compareErrors);
}
