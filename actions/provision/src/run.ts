/**
 * The provision action: plan the whole fleet (not only the changed files) and carry
 * out every create and update with bounded parallelism. Each project gets a commit
 * status; a failed project is rolled back and fails the step after the others finish.
 */
import * as core from '@actions/core';
import { runBounded } from '../../../core/apply/parallel.ts';
import { realClock, type Clock, type Logger } from '../../../core/apply/ports.ts';
import { provisionProject, type ProvisionResult } from '../../../core/apply/provision.ts';
import { workerFirewallRules } from '../../../core/apply/firewall.ts';
import { masterSmoke, type SmokeRunner } from '../../../core/apply/smoke.ts';
import { planFleet } from '../../../core/apply/runner/plan-fleet.ts';
import {
  coreLogger,
  githubClient,
  hetznerClient,
  masterClient,
  storageBoxClient,
  writeSummary,
} from '../../../core/apply/runner/core-io.ts';
import { loadSpecs } from '../../../core/apply/runner/specs.ts';
import type { PlanStep } from '../../../core/plan/index.ts';
import { resolveFleet } from '../../../core/spec/defaults.ts';
import { readInputs } from './inputs.ts';

export interface ProvisionDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** Time between two health reads of the master (default 10 s). */
  readonly pollMs?: number;
  /** The smoke check (default: the master's, `POST /v1/projects/:name/smoke`, with the keys it holds). */
  readonly smoke?: SmokeRunner;
}

export interface ProvisionRun {
  readonly results: readonly ProvisionResult[];
  readonly blocked: readonly string[];
}

function summaryMarkdown(results: readonly ProvisionResult[], blocked: readonly string[]): string {
  const lines = ['### supafleet provision', ''];
  if (results.length === 0 && blocked.length === 0) lines.push('Nothing to create or update.');
  else {
    lines.push('| Project | Outcome | Revision | Notes |', '|---|---|---|---|');
    for (const r of results) {
      const notes = r.error
        ? `${r.error.replaceAll('|', '\\|')}${r.undone.length > 0 ? ` (undone: ${r.undone.join(', ')})` : ''}`
        : r.smoke
          ? `smoke ${r.smoke}`
          : '';
      lines.push(`| \`${r.project}\` | ${r.outcome} | ${r.revision ?? ''} | ${notes} |`);
    }
    for (const b of blocked) lines.push(`| \`${b}\` | blocked | | see the plan |`);
  }
  return `${lines.join('\n')}\n`;
}

export async function run(overrides: Partial<ProvisionDeps> = {}): Promise<ProvisionRun | undefined> {
  const deps: ProvisionDeps = { clock: realClock, log: coreLogger, ...overrides };
  try {
    const s = readInputs();
    const loaded = await loadSpecs(s.ctx.workspace, s.root);
    if (!loaded.ok) {
      core.setFailed(`${loaded.errors.length} spec error(s); nothing was applied`);
      return undefined;
    }
    const master = masterClient(s.master, deps.clock, deps.log);
    const hetzner = hetznerClient(s.ctx, s.hetznerToken, deps.clock, deps.log);
    const storageBox = storageBoxClient(s.ctx, s.hetznerToken, deps.clock, deps.log);
    const github = githubClient(s.ctx, s.githubToken);
    const { actual, result } = await planFleet(s.ctx, loaded, { master, hetzner, log: deps.log });
    const specs = new Map(loaded.projects.map((p) => [p.name, p]));
    const steps: PlanStep[] = result.steps.filter(
      (st) => (st.kind === 'create' || st.kind === 'update') && specs.has(st.project),
    );
    // Rows planned against their desired spec (neither the master nor git knew the applied
    // one) are sent once: an identical spec changes nothing, a different one is an update.
    const unsure = result.steps.filter(
      (st) => st.kind === 'noop' && actual.specOrigins.get(st.project) === 'desired' && specs.has(st.project),
    );
    const synced = await runBounded(
      unsure,
      s.parallelism,
      async (st) => (await master.putProject(st.project, specs.get(st.project)!)).changed,
    );
    synced.forEach((r, i) => {
      const st = unsure[i]!;
      if (!r.ok) deps.log.warn(`${st.project}: sending its spec to the master failed: ${r.error.message}`);
      else if (r.value) {
        deps.log.info(`${st.project}: the registry's spec differed from the file; applying it in place`);
        steps.push({ ...st, kind: 'update', mode: 'in_place' });
      }
    });
    const blocked = result.steps
      .filter((st) => st.kind === 'blocked' && specs.has(st.project))
      .map((st) => st.project);
    for (const b of blocked) deps.log.warn(`${b}: blocked by the plan; not applied`);
    deps.log.info(
      `plan: ${result.summary.create} create, ${result.summary.update} update, ${result.summary.noop} unchanged`,
    );
    if (steps.some((st) => st.kind === 'create')) {
      const fw = await hetzner.ensureWorkerFirewall(
        loaded.fleet.name,
        workerFirewallRules(resolveFleet(loaded.fleet)),
      );
      if (fw.changed) deps.log.info(`worker firewall ${fw.firewall.name} brought up to date`);
    }
    const settled = await runBounded(steps, s.parallelism, (step) =>
      provisionProject(
        {
          master,
          hetzner,
          storageBox,
          ...(github ? { github } : {}),
          clock: deps.clock,
          log: deps.log,
          ...(s.smoke ? { smoke: deps.smoke ?? masterSmoke(master) } : {}),
        },
        {
          fleet: loaded.fleet,
          spec: specs.get(step.project)!,
          step,
          masterWgPublicKey: s.masterWgPublicKey,
          waitMs: s.waitMs,
          ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
          status: {
            ...(s.ctx.sha ? { sha: s.ctx.sha } : {}),
            ...(s.ctx.runUrl ? { url: s.ctx.runUrl } : {}),
          },
        },
      ),
    );
    const results = settled.map((r, i) =>
      r.ok
        ? r.value
        : ({
            project: steps[i]!.project,
            outcome: 'failed',
            error: r.error.message,
            undone: [],
          } as ProvisionResult),
    );
    const names = (o: ProvisionResult['outcome']) =>
      results
        .filter((r) => r.outcome === o)
        .map((r) => r.project)
        .join(',');
    core.setOutput('created', names('created'));
    core.setOutput('updated', names('updated'));
    core.setOutput('failed', [names('failed'), ...blocked].filter((x) => x !== '').join(','));
    await writeSummary(summaryMarkdown(results, blocked));
    const failed = results.filter((r) => r.outcome === 'failed').map((r) => r.project);
    const smokeFailed = results.filter((r) => r.smoke === 'failed').map((r) => r.project);
    if (failed.length > 0 || blocked.length > 0) {
      core.setFailed(`not applied: ${[...failed, ...blocked].join(', ')}`);
    } else if (smokeFailed.length > 0) {
      core.setFailed(`applied, but the smoke check failed: ${smokeFailed.join(', ')}`);
    }
    return { results, blocked };
  } catch (err) {
    core.setFailed(`supafleet provision failed: ${(err as Error).message}`);
    return undefined;
  }
}
