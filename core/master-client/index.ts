/** The master API client, its errors and types, and the mapper to the planner's actual state. */
export { createMasterClient, type MasterClientOptions } from './client.ts';
export { MasterApiError, MasterNetworkError, isRetryableMasterError } from './errors.ts';
export { toActualProject, toActualProjects, type SpecOrigin, type SpecSources } from './actual.ts';
export type * from './types.ts';
