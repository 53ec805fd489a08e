import type { Issue, PathSegment } from '../errors.ts';
import { quote } from '../errors.ts';
import { at } from '../walk.ts';

/**
 * GoTrue sends the sign-up confirmation through SMTP; without `auth.smtp` the worker
 * renders no GOTRUE_SMTP_* settings, so e-mail sign-up that needs confirmation could
 * never finish. Without smtp, sign-up is off unless the spec turns it on
 * (core/spec/defaults.ts); turning it on while confirmation stays required
 * (`email_autoconfirm` false or left out) is refused, at the autoconfirm flag when
 * the spec has it, else at `enabled`.
 */
export function authMailIssue(spec: unknown): Issue | undefined {
  if (at(spec, ['auth', 'smtp']) !== undefined) return undefined;
  // Wrong types are the schema's to report.
  if (at(spec, ['auth', 'signup', 'enabled']) !== true) return undefined;
  const autoconfirm = at(spec, ['auth', 'signup', 'email_autoconfirm']);
  if ((autoconfirm ?? false) !== false) return undefined;
  const path: PathSegment[] =
    autoconfirm === undefined ? ['auth', 'signup', 'enabled'] : ['auth', 'signup', 'email_autoconfirm'];
  const name = at(spec, ['name']);
  const who = typeof name === 'string' ? `project ${quote(name)}` : 'this project';
  return {
    path,
    message:
      `${who} turns e-mail sign-up on with confirmation required (auth.signup.enabled: true, ` +
      'auth.signup.email_autoconfirm: false or left out) but has no auth.smtp to send the confirmation mail; ' +
      'expected one of: auth.smtp with a mail server, auth.signup.email_autoconfirm: true, or auth.signup.enabled: false',
  };
}
