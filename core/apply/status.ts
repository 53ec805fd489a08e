/** Commit statuses `supafleet/<name>`: one context per project, descriptions clamped to GitHub's 140 characters. */
import { clampDescription } from '../github/status.ts';
import type { StatusState } from '../github/types.ts';
import type { GitHubApi, Logger } from './ports.ts';

export function statusContext(project: string): string {
  return `supafleet/${project}`;
}

/** Sets a status; a failure to set it is logged, never fatal (the apply itself decides the outcome). */
export async function reportStatus(
  deps: { github?: GitHubApi; log: Logger },
  target: { sha?: string; url?: string },
  project: string,
  state: StatusState,
  description: string,
): Promise<void> {
  if (!deps.github || !target.sha) return;
  try {
    await deps.github.setStatus(target.sha, {
      state,
      context: statusContext(project),
      description: clampDescription(description),
      ...(target.url ? { targetUrl: target.url } : {}),
    });
  } catch (err) {
    deps.log.warn(`${project}: setting the commit status failed: ${(err as Error).message}`);
  }
}
