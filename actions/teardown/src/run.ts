/**
 * The teardown action: every project the registry has and no spec names is torn down
 * (refused while its last spec has protect: true; final backup first), and orphan
 * servers carrying the fleet's labels are deleted. Refuses to run on invalid specs,
 * since a file that fails to load must never read as a deletion.
 */
import * as core from '@actions/core';
import { realClock, type Clock, type Logger } from '../../../core/apply/ports.ts';
import { reportStatus } from '../../../core/apply/status.ts';
import { deleteOrphan, teardownProject, type TeardownResult } from '../../../core/apply/teardown.ts';
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
import { resolveProject } from '../../../core/spec/defaults.ts';
import { readInputs } from './inputs.ts';

export interface TeardownDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly pollMs?: number;
}

export interface TeardownRun {
  readonly deleted: readonly TeardownResult[];
  readonly failed: readonly { project: string; error: string }[];
  readonly orphans: number;
}

export async function run(overrides: Partial<TeardownDeps> = {}): Promise<TeardownRun | undefined> {
  const deps: TeardownDeps = { clock: realClock, log: coreLogger, ...overrides };
  try {
    const s = readInputs();
    const loaded = await loadSpecs(s.ctx.workspace, s.root);
    if (!loaded.ok) {
      core.setFailed(
        `${loaded.errors.length} spec error(s); nothing is torn down while a spec fails to load`,
      );
      return undefined;
    }
    if (s.project && loaded.projects.some((p) => p.name === s.project)) {
      throw new Error(`${s.project} still has a spec (projects/${s.project}.yaml); delete the file first`);
    }
    const master = masterClient(s.master, deps.clock, deps.log);
    const hetzner = hetznerClient(s.ctx, s.hetznerToken, deps.clock, deps.log);
    const storageBox = storageBoxClient(s.ctx, s.hetznerToken, deps.clock, deps.log);
    const github = githubClient(s.ctx, s.githubToken);
    const applyDeps = {
      master,
      hetzner,
      storageBox,
      ...(github ? { github } : {}),
      clock: deps.clock,
      log: deps.log,
    };
    const { actual, result } = await planFleet(s.ctx, loaded, { master, hetzner, log: deps.log });
    const rows = new Map(actual.projects.map((p) => [p.name, p]));
    const wanted = (name: string) => s.project === undefined || s.project === name;
    const deleted: TeardownResult[] = [];
    const failed: { project: string; error: string }[] = [];
    let orphans = 0;
    const status = {
      ...(s.ctx.sha ? { sha: s.ctx.sha } : {}),
      ...(s.ctx.runUrl ? { url: s.ctx.runUrl } : {}),
    };
    for (const step of result.steps) {
      if (!wanted(step.project)) continue;
      if (step.kind === 'delete' && step.orphan && step.server) {
        try {
          await deleteOrphan(applyDeps, loaded.fleet, step.server, step.project);
          orphans++;
        } catch (err) {
          failed.push({ project: step.project, error: (err as Error).message });
        }
        continue;
      }
      const row = rows.get(step.project);
      const isDeletion = (step.kind === 'delete' || step.kind === 'blocked') && row && !step.orphan;
      if (!isDeletion || loaded.projects.some((p) => p.name === step.project)) continue;
      try {
        const r = await teardownProject(applyDeps, {
          fleet: loaded.fleet,
          name: step.project,
          protect: resolveProject(row.spec).protect,
          backupWaitMs: s.backupWaitMs,
          ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
        });
        deleted.push(r);
        await reportStatus(applyDeps, status, step.project, 'success', `${step.project} torn down`);
      } catch (err) {
        const message = (err as Error).message;
        deps.log.error(`${step.project}: ${message}`);
        failed.push({ project: step.project, error: message });
        await reportStatus(
          applyDeps,
          status,
          step.project,
          'failure',
          `teardown of ${step.project} failed: ${message}`,
        );
      }
    }
    core.setOutput('deleted', deleted.map((d) => d.project).join(','));
    const lines = ['### supafleet teardown', ''];
    if (deleted.length + failed.length + orphans === 0) lines.push('Nothing to tear down.');
    for (const d of deleted) {
      lines.push(
        `- \`${d.project}\`: torn down${d.backup ? ` (final backup ${d.backup.snapshot_id ?? d.backup.id})` : ''}, ` +
          `${d.serversDeleted} server(s) deleted`,
      );
    }
    if (orphans > 0) lines.push(`- ${orphans} orphan server(s) deleted`);
    for (const f of failed) lines.push(`- \`${f.project}\`: **not torn down**: ${f.error}`);
    await writeSummary(`${lines.join('\n')}\n`);
    if (failed.length > 0) core.setFailed(`not torn down: ${failed.map((f) => f.project).join(', ')}`);
    return { deleted, failed, orphans };
  } catch (err) {
    core.setFailed(`supafleet teardown failed: ${(err as Error).message}`);
    return undefined;
  }
}
