/** The Hetzner Cloud client, its errors and types; the fake lives in ./fake/. */
export { HetznerClient, USER_DATA_LIMIT } from './client.ts';
export type { EnsureServerResult, FleetGuard, HetznerClientOptions, RebuildServerResult } from './client.ts';
export { toActualServer } from './actual.ts';
export {
  HetznerActionError,
  HetznerApiError,
  HetznerNetworkError,
  HetznerRefusedError,
  isRetryable,
  mayHaveBeenServed,
} from './errors.ts';
export type { RetryEvent } from './http.ts';
export { formatSelector, matchesSelector, parseSelector } from './label-selector.ts';
export type * from './types.ts';
