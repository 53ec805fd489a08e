/** The plan action's inputs and runner context, read once. */
import * as core from '@actions/core';
import { readRunnerContext, type RunnerContext } from '../../../core/apply/runner/context.ts';
import {
  masterInputs,
  secretInput,
  stringInput,
  type InputSource,
  type MasterInputs,
} from '../../../core/apply/runner/inputs.ts';
import type { Secret } from '../../../core/seal/secret.ts';

export interface PlanSettings {
  readonly ctx: RunnerContext;
  readonly root: string;
  readonly master: MasterInputs;
  readonly hetznerToken?: Secret;
  readonly githubToken?: Secret;
}

export function readInputs(env: Readonly<Record<string, string | undefined>> = process.env): PlanSettings {
  const src: InputSource = { get: (n) => core.getInput(n), mask: (v) => core.setSecret(v) };
  const hetznerToken = secretInput(src, 'hetzner-token');
  const githubToken = secretInput(src, 'github-token');
  return {
    ctx: readRunnerContext(env),
    root: stringInput(src, 'root', '.'),
    master: masterInputs(src),
    ...(hetznerToken ? { hetznerToken } : {}),
    ...(githubToken ? { githubToken } : {}),
  };
}
