/** The master action's inputs and runner context, read once. */
import * as core from '@actions/core';
import { readRunnerContext, type RunnerContext } from '../../../core/apply/runner/context.ts';
import { requireMainRef } from '../../../core/apply/runner/main-ref.ts';
import { secretInput, stringInput, type InputSource } from '../../../core/apply/runner/inputs.ts';
import type { Secret } from '../../../core/seal/secret.ts';

export interface MasterSettings {
  readonly ctx: RunnerContext;
  readonly root: string;
  readonly hetznerToken: Secret;
  readonly mode: 'create' | 'rebuild';
  /** For rebuild: must equal the master server's name, since a rebuild wipes its disk. Empty when not given. */
  readonly confirm: string;
}

export function readInputs(env: Readonly<Record<string, string | undefined>> = process.env): MasterSettings {
  // Before any input is read: a branch run must not get as far as the token.
  requireMainRef('master', env);
  const src: InputSource = { get: (n) => core.getInput(n), mask: (v) => core.setSecret(v) };
  const mode = stringInput(src, 'mode', 'create');
  if (mode !== 'create' && mode !== 'rebuild') {
    throw new Error(`input mode ${JSON.stringify(mode)} is not valid; expected create or rebuild`);
  }
  return {
    ctx: readRunnerContext(env),
    root: stringInput(src, 'root', '.'),
    hetznerToken: secretInput(src, 'hetzner-token', true)!,
    mode,
    confirm: stringInput(src, 'confirm'),
  };
}
