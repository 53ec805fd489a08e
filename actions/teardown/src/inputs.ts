/** The teardown action's inputs and runner context, read once. */
import * as core from '@actions/core';
import { readRunnerContext, type RunnerContext } from '../../../core/apply/runner/context.ts';
import { requireMainRef } from '../../../core/apply/runner/main-ref.ts';
import {
  masterInputs,
  numberInput,
  requireMaster,
  secretInput,
  stringInput,
  type InputSource,
  type MasterInputs,
} from '../../../core/apply/runner/inputs.ts';
import type { Secret } from '../../../core/seal/secret.ts';

export interface TeardownSettings {
  readonly ctx: RunnerContext;
  readonly root: string;
  readonly master: MasterInputs & { url: string };
  readonly hetznerToken: Secret;
  readonly githubToken?: Secret;
  /** Only this project; undefined tears down every project without a spec. */
  readonly project?: string;
  readonly backupWaitMs: number;
}

export function readInputs(
  env: Readonly<Record<string, string | undefined>> = process.env,
): TeardownSettings {
  // Before any input is read: a branch run must not get as far as the token.
  requireMainRef('teardown', env);
  const src: InputSource = { get: (n) => core.getInput(n), mask: (v) => core.setSecret(v) };
  const project = stringInput(src, 'project');
  if (project !== '' && !/^[a-z][a-z0-9-]{1,31}$/.test(project)) {
    throw new Error(
      `input project ${JSON.stringify(project)} is not a project name; expected e.g. acme or empty`,
    );
  }
  const githubToken = secretInput(src, 'github-token');
  return {
    ctx: readRunnerContext(env),
    root: stringInput(src, 'root', '.'),
    master: requireMaster(masterInputs(src)),
    hetznerToken: secretInput(src, 'hetzner-token', true)!,
    ...(githubToken ? { githubToken } : {}),
    ...(project !== '' ? { project } : {}),
    backupWaitMs: Math.round(numberInput(src, 'backup-minutes', 30, { min: 0.01, max: 240 }) * 60_000),
  };
}
