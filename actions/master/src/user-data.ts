/** The master's user_data, rendered and measured the same way for create and rebuild. */
import { renderMasterUserData } from '../../../cloud-init/master/user-data.ts';
import { assertUserDataBudget, MASTER_TARGET } from '../../../cloud-init/shared/budget.ts';
import type { Logger } from '../../../core/apply/ports.ts';
import type { ResolvedFleet } from '../../../core/spec/defaults.ts';

/**
 * The master's user_data text; `restore` makes the server boot without generating
 * secrets and wait for its keys and its backup. Refuses a text over Hetzner's limit
 * before any call and warns above supafleet's own target.
 */
export function masterUserData(fleet: ResolvedFleet, options: { restore: boolean }, log: Logger): string {
  const userData = renderMasterUserData({ fleet, restore: options.restore });
  const bytes = assertUserDataBudget(userData.text, userData.parts);
  if (bytes > MASTER_TARGET)
    log.warn(`master user_data is ${bytes} bytes, over the ${MASTER_TARGET}-byte target`);
  return userData.text;
}
