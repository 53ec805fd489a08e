/**
 * cloud-init: pure renderers from spec + versions to the files servers are built
 * from. Callers: the master API (worker bundles), the provision action and the
 * CLI (user_data, with the budget check before any Hetzner call).
 */
export { images, dockerApt, SUPABASE_RELEASE } from './versions.ts';
export { renderWorkerUserData, type WorkerEnrollment, type WorkerUserDataInput } from './worker/user-data.ts';
export { renderWorkerBundle, SECRET_BUNDLE_FILES, WORKER_STATE_DIR } from './worker/bundle.ts';
export type { WorkerBundleInput } from './worker/input.ts';
export { renderMasterUserData, type MasterUserDataInput } from './master/user-data.ts';
export { renderMasterStack, MASTER_BACKUP_SCHEDULE } from './master/stack.ts';
export { generateMasterSecrets, renderMasterEnv, type MasterSecrets } from './master/secrets.ts';
export type { UserData } from './shared/cloud-config.ts';
export {
  assertUserDataBudget,
  userDataSize,
  USER_DATA_LIMIT,
  WORKER_TARGET,
  MASTER_TARGET,
} from './shared/budget.ts';
export { writeRenderedFiles } from './write-files.ts';
