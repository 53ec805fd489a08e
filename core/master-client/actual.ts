/**
 * Maps the master's project list to the planner's {@link ActualProject}s. The planner
 * compares specs, so each row needs the spec last applied: the master's copy when its
 * answer carries one, else the caller's last known copy (e.g. the spec file at the
 * commit last applied). A row with neither is planned against the desired spec (never
 * an update), and a row without a desired spec is treated as protected: supafleet never
 * deletes a project whose last spec it cannot read.
 */
import type { ActualProject, ProjectStatus } from '../plan/types.ts';
import type { ProjectSpec } from '../spec/types.ts';
import type { ProjectView } from './types.ts';

export interface SpecSources {
  /** Last known spec per project name (from git), used when the master sends none. */
  readonly lastKnown?: ReadonlyMap<string, ProjectSpec>;
  /** Desired spec per project name (the files being planned). */
  readonly desired?: ReadonlyMap<string, ProjectSpec>;
}

function statusOf(view: ProjectView): ProjectStatus {
  return view.status === 'deleted' ? 'deleted' : view.health.state;
}

/** Which source the spec of a row came from, for a note in the plan's logs. */
export type SpecOrigin = 'master' | 'git' | 'desired' | 'unknown';

export function toActualProject(
  view: ProjectView,
  sources: SpecSources = {},
): { project: ActualProject; origin: SpecOrigin } {
  const fromGit = sources.lastKnown?.get(view.name);
  const fromDesired = sources.desired?.get(view.name);
  let spec: ProjectSpec;
  let origin: SpecOrigin;
  if (view.spec) {
    spec = view.spec;
    origin = 'master';
  } else if (fromGit) {
    spec = fromGit;
    origin = 'git';
  } else if (fromDesired) {
    spec = fromDesired;
    origin = 'desired';
  } else {
    // Unknown spec: protected, so a plan can block its deletion instead of guessing.
    spec = { name: view.name, server: { type: 'unknown', location: 'unknown' }, protect: true };
    origin = 'unknown';
  }
  return { project: { name: view.name, spec, revision: view.revision, status: statusOf(view) }, origin };
}

export function toActualProjects(views: readonly ProjectView[], sources: SpecSources = {}): ActualProject[] {
  return views
    .map((v) => toActualProject(v, sources).project)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
