/** The Hetzner Cloud and Storage Box clients, their errors and types; the fake lives in fakes/hetzner/. */
export { HetznerClient, USER_DATA_LIMIT } from './client.ts';
export type { EnsureServerResult, FleetGuard, HetznerClientOptions, RebuildServerResult } from './client.ts';
export { toActualServer } from './actual.ts';
export {
  BACKUP_ROLE,
  DEFAULT_HETZNER_ENDPOINT,
  StorageBoxClient,
  backupHome,
  backupSubaccountLabels,
  generateSubaccountPassword,
} from './storage-box.ts';
export type {
  EnsureSubaccountResult,
  StorageBox,
  StorageBoxAccessSettings,
  StorageBoxClientOptions,
  Subaccount,
} from './storage-box.ts';
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
