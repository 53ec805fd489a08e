import type { ResolvedFleet, ResolvedProject } from '../../core/spec/defaults.ts';
import type { ProjectSecrets } from '../../core/secrets/types.ts';

/** Everything a worker's stack bundle is rendered from. */
export interface WorkerBundleInput {
  readonly fleet: ResolvedFleet;
  readonly project: ResolvedProject;
  readonly secrets: ProjectSecrets;
  /**
   * Plaintexts of the project's sealed spec values, opened by the master, keyed by
   * field path: `auth.smtp.pass`, `auth.external.<provider>.secret`,
   * `functions.secrets.<NAME>`. A sealed field without its plaintext is an error.
   */
  readonly opened?: Readonly<Record<string, string>>;
  /** Bundle revision (bumped by every spec or secret change). */
  readonly revision: number;
  /** The worker's address on the WireGuard network (no prefix length), e.g. 10.100.0.2. */
  readonly wgAddress: string;
}

/** The plaintext of a sealed field, or an error naming the field. */
export function openedValue(input: WorkerBundleInput, field: string): string {
  const v = input.opened?.[field];
  if (v === undefined)
    throw new Error(`${field}: the sealed value has not been opened (the master must pass its plaintext)`);
  return v;
}

/** Public URL of the project's API. */
export function publicUrl(input: WorkerBundleInput): string {
  return `https://${input.project.subdomain}.${input.fleet.domain}`;
}
