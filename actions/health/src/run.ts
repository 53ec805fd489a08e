/**
 * The health action: reads every project's health from the master, sets the commit
 * status `supafleet/<name>` on the latest commit that touched its spec, and commits the
 * shields endpoint badge files to the badge branch (one commit, none when unchanged).
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as core from '@actions/core';
import { badgeFiles, fleetHealth, type ProjectHealth } from '../../../core/apply/health.ts';
import { realClock, type Clock, type Logger } from '../../../core/apply/ports.ts';
import { coreLogger, githubClient, masterClient, writeSummary } from '../../../core/apply/runner/core-io.ts';
import { readInputs } from './inputs.ts';

export interface HealthDeps {
  readonly clock: Clock;
  readonly log: Logger;
}

/** Project names from the spec file names (the files need not be valid to get a badge). */
function specNames(dir: string): string[] {
  try {
    return readdirSync(join(dir, 'projects'))
      .filter((f) => /^[a-z][a-z0-9-]{1,31}\.yaml$/.test(f))
      .map((f) => f.slice(0, -'.yaml'.length));
  } catch {
    return [];
  }
}

export async function run(overrides: Partial<HealthDeps> = {}): Promise<ProjectHealth[] | undefined> {
  const deps: HealthDeps = { clock: realClock, log: coreLogger, ...overrides };
  try {
    const s = readInputs();
    const master = masterClient(s.master, deps.clock, deps.log);
    const github = githubClient(s.ctx, s.githubToken)!;
    const health = fleetHealth(await master.listProjects(), specNames(resolve(s.ctx.workspace, s.root)));
    const ref = s.ctx.sha ?? 'main';
    let statuses = 0;
    for (const h of health) {
      const path = `${s.root === '.' ? '' : `${s.root.replace(/\/+$/, '')}/`}projects/${h.project}.yaml`;
      const sha = await github.latestCommitTouching(path, ref);
      if (!sha) {
        deps.log.info(`${h.project}: ${h.state} (no commit touches ${path}; no status)`);
        continue;
      }
      await github.setStatus(sha, {
        state: h.status,
        context: `supafleet/${h.project}`,
        description: h.description,
        ...(s.ctx.runUrl ? { targetUrl: s.ctx.runUrl } : {}),
      });
      statuses++;
      deps.log.info(`${h.project}: ${h.description}`);
    }
    const files = badgeFiles(health);
    const commit =
      health.length > 0
        ? await github.commitFiles(s.badgeBranch, files, `health: ${health.length} project badge(s)`)
        : { sha: '', changed: false };
    deps.log.info(
      commit.changed
        ? `badges committed to ${s.badgeBranch} (${commit.sha})`
        : `badges unchanged on ${s.badgeBranch}`,
    );
    const lines = ['### supafleet health', '', '| Project | State | Details |', '|---|---|---|'];
    for (const h of health)
      lines.push(`| \`${h.project}\` | ${h.state} | ${h.description.replaceAll('|', '\\|')} |`);
    await writeSummary(`${lines.join('\n')}\n\n${statuses} status(es) set.\n`);
    return health;
  } catch (err) {
    core.setFailed(`supafleet health failed: ${(err as Error).message}`);
    return undefined;
  }
}
