import { ForbiddenError } from '../errors.ts';

/**
 * What a caller may do: read < backup < write < admin. `backup` (read, and start backups) is
 * what the backup workflow gets; API tokens are read, write or admin.
 */
export type Scope = 'read' | 'backup' | 'write' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'backup', 'write', 'admin'];
/** The scopes an API token may hold. */
export const TOKEN_SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

/** Who made a call, as the audit log records it. */
export type Actor =
  | {
      readonly kind: 'oidc';
      readonly repository: string;
      readonly run_id: string;
      readonly actor: string;
      readonly workflow: string;
      readonly ref: string;
      readonly event_name: string;
      /** The deployment environment the job ran in, when it named one. */
      readonly environment?: string;
    }
  | { readonly kind: 'token'; readonly name: string; readonly id: string }
  | { readonly kind: 'agent'; readonly project: string }
  | { readonly kind: 'enrollment'; readonly project: string }
  | { readonly kind: 'cli' };

export interface Principal {
  readonly scope: Scope;
  readonly actor: Actor;
  /** Why the scope is limited, for the 403 message (e.g. a pull_request token). */
  readonly limitedBecause?: string;
}

export function hasScope(p: Principal, needed: Scope): boolean {
  return SCOPES.indexOf(p.scope) >= SCOPES.indexOf(needed);
}

/** Throws ForbiddenError unless the principal holds `needed`; `what` names the guarded act in the message. */
export function requireScope(p: Principal, needed: Scope, opts: { what?: string } = {}): void {
  if (!hasScope(p, needed)) {
    const why = p.limitedBecause ? ` (${p.limitedBecause})` : '';
    throw new ForbiddenError(
      `${opts.what ?? 'this call'} needs the ${needed} scope; the caller has ${p.scope}${why}`,
    );
  }
}
