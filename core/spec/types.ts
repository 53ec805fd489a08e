/**
 * Spec types. `project.gen.ts` and `fleet.gen.ts` are generated from `schemas/` by
 * `npm run gen:types` (a test fails when they are stale), so the types cannot drift
 * from the schemas.
 */
export type { ProjectSpec, Sealed } from './project.gen.ts';
export type { FleetSpec } from './fleet.gen.ts';
export { DEFAULT_BACKUP_SCHEDULE, DEFAULT_CIDR } from './defaults.ts';
