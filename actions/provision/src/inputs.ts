/** The provision action's inputs and runner context, read once. */
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

export interface ProvisionSettings {
  readonly ctx: RunnerContext;
  readonly root: string;
  readonly master: MasterInputs & { url: string };
  readonly hetznerToken: Secret;
  readonly githubToken?: Secret;
  readonly parallelism: number;
  readonly waitMs: number;
  /** The master's WireGuard public key (base64 of 32 bytes); empty until the master exists. */
  readonly masterWgPublicKey: string;
  /** Run `supafleet smoke` after each applied project (status supafleet/<name>/smoke). */
  readonly smoke: boolean;
}

const WG_KEY_RE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export function readInputs(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ProvisionSettings {
  // Before any input is read: a branch run must not get as far as the token.
  requireMainRef('provision', env);
  const src: InputSource = { get: (n) => core.getInput(n), mask: (v) => core.setSecret(v) };
  const hetznerToken = secretInput(src, 'hetzner-token', true)!;
  const githubToken = secretInput(src, 'github-token');
  const masterWgPublicKey = stringInput(src, 'master-wg-public-key');
  if (masterWgPublicKey !== '' && !WG_KEY_RE.test(masterWgPublicKey)) {
    throw new Error(
      `input master-wg-public-key ${JSON.stringify(masterWgPublicKey)} is not a WireGuard public key; ` +
        'expected 44 base64 characters ending in "=" (wg pubkey on the master)',
    );
  }
  const smoke = stringInput(src, 'smoke', 'true');
  if (smoke !== 'true' && smoke !== 'false') {
    throw new Error(`input smoke ${JSON.stringify(smoke)} is not valid; expected true or false`);
  }
  return {
    ctx: readRunnerContext(env),
    root: stringInput(src, 'root', '.'),
    master: requireMaster(masterInputs(src)),
    hetznerToken,
    ...(githubToken ? { githubToken } : {}),
    parallelism: numberInput(src, 'parallelism', 4, { min: 1, max: 32, integer: true }),
    waitMs: Math.round(numberInput(src, 'wait-minutes', 20, { min: 0.01, max: 120 }) * 60_000),
    masterWgPublicKey,
    smoke: smoke === 'true',
  };
}
