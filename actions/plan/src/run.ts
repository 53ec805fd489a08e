/**
 * The plan action: validate every spec (annotations at file:line), read the actual
 * state (master registry, Hetzner servers by label), plan, and post one sticky pull
 * request comment and the job summary. Fails on invalid specs or a blocked step.
 */
import * as core from '@actions/core';
import { realClock, type Clock, type Logger } from '../../../core/apply/ports.ts';
import { pullRequestNumber } from '../../../core/apply/runner/context.ts';
import { planFleet } from '../../../core/apply/runner/plan-fleet.ts';
import {
  coreLogger,
  githubClient,
  hetznerClient,
  masterClient,
  writeSummary,
} from '../../../core/apply/runner/core-io.ts';
import { loadSpecs, specErrorsMarkdown } from '../../../core/apply/runner/specs.ts';
import { PLAN_MARKER, renderMarkdown, renderText, type Plan } from '../../../core/plan/index.ts';
import { readInputs } from './inputs.ts';

export interface PlanDeps {
  readonly clock: Clock;
  readonly log: Logger;
}

export async function run(overrides: Partial<PlanDeps> = {}): Promise<Plan | undefined> {
  const deps: PlanDeps = { clock: realClock, log: coreLogger, ...overrides };
  try {
    const s = readInputs();
    const github = githubClient(s.ctx, s.githubToken);
    const pr = pullRequestNumber(s.ctx);
    const comment = async (body: string): Promise<void> => {
      if (!github || pr === undefined) return;
      try {
        const c = await github.upsertStickyComment(pr, PLAN_MARKER, body);
        deps.log.info(`plan comment ${c.created ? 'posted' : 'updated'} on #${pr}`);
      } catch (err) {
        // Pull requests from forks get a read-only token: the summary still has the plan.
        deps.log.warn(`the plan comment could not be posted on #${pr}: ${(err as Error).message}`);
      }
    };

    const loaded = await loadSpecs(s.ctx.workspace, s.root);
    if (!loaded.ok) {
      const md = specErrorsMarkdown(PLAN_MARKER, loaded.errors);
      await comment(md);
      await writeSummary(md);
      core.setFailed(`${loaded.errors.length} spec error(s); see the annotations`);
      return undefined;
    }
    const master = s.master.url
      ? masterClient({ ...s.master, url: s.master.url }, deps.clock, deps.log)
      : undefined;
    const hetzner = s.hetznerToken ? hetznerClient(s.ctx, s.hetznerToken, deps.clock, deps.log) : undefined;
    if (!master) deps.log.warn('no master-url: planning without the registry (every project is a create)');
    if (!hetzner) deps.log.warn('no hetzner-token: planning without the Hetzner servers');
    const { result } = await planFleet(s.ctx, loaded, {
      ...(master ? { master } : {}),
      ...(hetzner ? { hetzner } : {}),
      log: deps.log,
    });
    for (const line of renderText(result).trimEnd().split('\n')) deps.log.info(line);
    const md = renderMarkdown(result);
    await comment(md);
    await writeSummary(md);
    core.setOutput('creates', result.summary.create);
    core.setOutput('updates', result.summary.update);
    core.setOutput('deletes', result.summary.delete);
    core.setOutput('blocked', result.summary.blocked);
    if (!result.ok) {
      core.setFailed(
        `the plan has ${result.summary.blocked} blocked step(s): ${result.steps
          .filter((st) => st.kind === 'blocked')
          .map((st) => st.project)
          .join(', ')}`,
      );
    }
    return result;
  } catch (err) {
    core.setFailed(`supafleet plan failed: ${(err as Error).message}`);
    return undefined;
  }
}
