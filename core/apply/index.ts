/**
 * The apply logic shared by the actions and the demo: pure orchestration over the
 * {@link MasterApi}, {@link HetznerApi} and {@link GitHubApi} interfaces, a clock and a
 * logger. The GitHub runner glue lives in ./runner/.
 */
export { readActual, type ReadActualOptions } from './actual.ts';
export { runBackup, type BackupOutcome } from './backup.ts';
export { workerFirewallRules } from './firewall.ts';
export { specsAtCommit } from './git-specs.ts';
export { badgeFiles, badgePath, fleetHealth, type Badge, type ProjectHealth } from './health.ts';
export { runBounded, type Settled } from './parallel.ts';
export {
  memoryLogger,
  realClock,
  type Clock,
  type GitHubApi,
  type HetznerApi,
  type Logger,
  type MasterApi,
} from './ports.ts';
export {
  provisionProject,
  workerMasterUrl,
  WORKER_IMAGE,
  type ApplyDeps,
  type ProvisionOptions,
  type ProvisionResult,
} from './provision.ts';
export { reportStatus, statusContext } from './status.ts';
export {
  deleteOrphan,
  ProtectedProjectError,
  teardownProject,
  type TeardownOptions,
  type TeardownResult,
} from './teardown.ts';
export { HealthTimeoutError, waitHealthy, type WaitHealthyOptions } from './wait-healthy.ts';
