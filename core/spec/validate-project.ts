import type { SpecError } from './errors.ts';
import { compareErrors } from './errors.ts';
import { effectiveSubdomain, locateIssues, projectDocumentIssues } from './findings.ts';
import { noSource } from './locate.ts';
import { domainProblem } from './rules/dns.ts';
import type { FleetSpec, ProjectSpec } from './types.ts';

/** Options of validateProjectObject. */
export interface ValidateProjectOptions {
  /** The file the spec came from (`projects/acme.yaml`): errors name it, and the name must match it. */
  readonly file?: string;
  /** The fleet's other projects: the subdomain must differ from theirs. A project with the same name is the one being replaced. */
  readonly others?: readonly ProjectSpec[];
}

/**
 * Validates one project spec that arrives as a value rather than a file (the
 * master API's `PUT /v1/projects/:name`), with the same rules as the loader.
 * Errors have line and column 0, since there is no source text.
 */
export function validateProjectObject(
  spec: unknown,
  fleet: FleetSpec,
  opts: ValidateProjectOptions = {},
): SpecError[] {
  const file = opts.file ?? '';
  const fileName = /^projects\/([^/]+)\.yaml$/.exec(file)?.[1];
  const domain =
    typeof fleet.domain === 'string' && domainProblem(fleet.domain) === undefined ? fleet.domain : undefined;
  const issues = projectDocumentIssues(spec, {
    ...(fileName !== undefined ? { fileName } : {}),
    ...(domain !== undefined ? { domain } : {}),
  });
  const mine = effectiveSubdomain(spec);
  const name = typeof spec === 'object' && spec !== null ? (spec as { name?: unknown }).name : undefined;
  if (mine) {
    const taken = (opts.others ?? []).find(
      (other) => other.name !== name && (other.subdomain ?? other.name) === mine.value,
    );
    if (taken) {
      issues.push({
        path: [mine.key],
        message: `subdomain ${JSON.stringify(mine.value)} is already used by project ${JSON.stringify(taken.name)}; expected a subdomain of its own`,
      });
    }
  }
  return locateIssues(issues, file, noSource).sort(compareErrors);
}
