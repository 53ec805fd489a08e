/** The health action's inputs and runner context, read once. */
import * as core from '@actions/core';
import { readRunnerContext, type RunnerContext } from '../../../core/apply/runner/context.ts';
import {
  masterInputs,
  requireMaster,
  secretInput,
  stringInput,
  type InputSource,
  type MasterInputs,
} from '../../../core/apply/runner/inputs.ts';
import type { Secret } from '../../../core/seal/secret.ts';

export interface HealthSettings {
  readonly ctx: RunnerContext;
  readonly root: string;
  readonly master: MasterInputs & { url: string };
  readonly githubToken: Secret;
  readonly badgeBranch: string;
}

export function readInputs(env: Readonly<Record<string, string | undefined>> = process.env): HealthSettings {
  const src: InputSource = { get: (n) => core.getInput(n), mask: (v) => core.setSecret(v) };
  const badgeBranch = stringInput(src, 'badge-branch', 'supafleet-status');
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(badgeBranch) || badgeBranch.includes('..')) {
    throw new Error(`input badge-branch ${JSON.stringify(badgeBranch)} is not a branch name`);
  }
  return {
    ctx: readRunnerContext(env),
    root: stringInput(src, 'root', '.'),
    master: requireMaster(masterInputs(src)),
    githubToken: secretInput(src, 'github-token', true)!,
    badgeBranch,
  };
}
