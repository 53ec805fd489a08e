/** Spec loading and validation: `fleet.yaml` and `projects/*.yaml`. */
export {
  loadFleetDir,
  loadFleetFile,
  checkProjectFiles,
  FLEET_FILE,
  PROJECTS_DIR,
  MAX_PROJECTS,
} from './load.ts';
export type {
  LoadOptions,
  LoadResult,
  ProjectCheckContext,
  ProjectFileChecker,
  ProjectFileResult,
} from './load.ts';
export { validateProjectObject } from './validate-project.ts';
export type { ValidateProjectOptions } from './validate-project.ts';
export type { SpecError } from './errors.ts';
export { compareErrors } from './errors.ts';
export { MAX_FILE_BYTES, MAX_ALIASES, MAX_DEPTH, MAX_ENTRIES } from './yaml-source.ts';
export { RESERVED_NAMES } from './rules/dns.ts';
export { isSecretPath } from './rules/sealed.ts';
export type { FleetSpec, ProjectSpec } from './types.ts';
export { resolveFleet, resolveProject } from './defaults.ts';
export type { ResolvedFleet, ResolvedProject } from './defaults.ts';
export { sealableFieldProblem } from './rules/sealed.ts';
export { labelProblem } from './rules/dns.ts';
export { sealPublicKeyProblem } from './rules/keys.ts';
export { AUTH_PROVIDERS } from './check-project.ts';
export { stringAt } from './walk.ts';
