/**
 * Which field of the New project form an error belongs to, by its JSON path. Pure, so the page
 * and the unit tests agree. An error of a list entry names the line it is on.
 */
import type { NewProjectForm } from './new-project-spec.ts';

/** A field of the form, named as in NewProjectForm. */
export type FieldName = keyof NewProjectForm;

/** JSON path of each field's value in the spec. */
export const FIELD_PATHS: Readonly<Record<FieldName, string>> = {
  name: '/name',
  subdomain: '/subdomain',
  serverType: '/server/type',
  location: '/server/location',
  protect: '/protect',
  siteUrl: '/auth/site_url',
  redirectUrls: '/auth/redirect_urls',
  signupEnabled: '/auth/signup/enabled',
  emailAutoconfirm: '/auth/signup/email_autoconfirm',
  corsOrigins: '/api/cors_origins',
  fileSizeLimitMb: '/storage/file_size_limit_mb',
  backupSchedule: '/backup/schedule',
  keepDaily: '/backup/keep/daily',
  keepWeekly: '/backup/keep/weekly',
  keepMonthly: '/backup/keep/monthly',
};

/** An error placed on the form: at a field (with the message as shown there), or on the form as a whole. */
export interface PlacedError {
  readonly field?: FieldName;
  readonly message: string;
}

/** Places an error (its JSON path and message) at the field it is about. */
export function placeError(path: string, message: string): PlacedError {
  // "missing required key" is reported at the mapping that lacks the key.
  const missing = /^missing required key "([^"]+)"$/.exec(message);
  const where = missing ? `${path}/${missing[1]!}` : path;
  for (const [field, fieldPath] of Object.entries(FIELD_PATHS) as [FieldName, string][]) {
    if (where === fieldPath) return { field, message };
    const item = where.startsWith(`${fieldPath}/`) ? /^\d+$/.exec(where.slice(fieldPath.length + 1)) : null;
    if (item) return { field, message: `line ${Number(item[0]) + 1}: ${message}` };
  }
  return { message };
}
