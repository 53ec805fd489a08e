/**
 * The runner's side of the apply logic: a {@link Logger} over @actions/core (masking
 * through core.setSecret), annotations for spec errors, and the clients built from
 * the parsed inputs.
 */
import * as core from '@actions/core';
import { createGitHubClient } from '../../github/client.ts';
import type { GitHubApi } from '../../github/types.ts';
import { HetznerClient } from '../../hetzner/client.ts';
import { StorageBoxClient } from '../../hetzner/storage-box.ts';
import { createMasterClient } from '../../master-client/client.ts';
import type { MasterApi } from '../../master-client/types.ts';
import type { Secret } from '../../seal/secret.ts';
import type { SpecError } from '../../spec/errors.ts';
import type { Clock, Logger } from '../ports.ts';
import type { RunnerContext } from './context.ts';
import type { MasterInputs } from './inputs.ts';

export const coreLogger: Logger = {
  info: (line) => core.info(line),
  warn: (line) => core.warning(line),
  error: (line) => core.error(line),
  mask: (value) => core.setSecret(value),
};

/** GitHub shows at most 10 error annotations per step; the rest go to the log. */
const MAX_ANNOTATIONS = 10;

export function annotateSpecErrors(errors: readonly SpecError[]): void {
  errors.forEach((e, i) => {
    const where = `${e.file}${e.line > 0 ? `:${e.line}:${e.column}` : ''}`;
    const message = `${e.path ? `${e.path}: ` : ''}${e.message}`;
    if (i < MAX_ANNOTATIONS) {
      core.error(message, {
        title: 'invalid spec',
        file: e.file,
        ...(e.line > 0 ? { startLine: e.line, startColumn: e.column } : {}),
      });
    } else {
      core.info(`${where}: ${message}`);
    }
  });
}

/** The bearer token for the master: the API token, or the job's OIDC token (cached four minutes). */
export function masterToken(m: MasterInputs, clock: Clock): () => Promise<string> {
  if (m.apiToken) {
    const token = m.apiToken;
    return () => Promise.resolve(token.reveal());
  }
  let cached: { value: string; at: number } | undefined;
  return async () => {
    if (cached && clock.now() - cached.at < 4 * 60_000) return cached.value;
    let value: string;
    try {
      value = await core.getIDToken(m.audience);
    } catch (err) {
      throw new Error(
        `getting the job's OIDC token failed (${(err as Error).message}); grant the job "permissions: id-token: write" or set the api-token input`,
        { cause: err },
      );
    }
    core.setSecret(value);
    cached = { value, at: clock.now() };
    return value;
  };
}

export function masterClient(m: MasterInputs & { url: string }, clock: Clock, log: Logger): MasterApi {
  return createMasterClient({
    baseUrl: m.url,
    token: masterToken(m, clock),
    sleep: (ms) => clock.sleep(ms),
    onRetry: (e) =>
      log.info(`master ${e.method} ${e.path}: ${e.reason}; retry ${e.attempt} in ${e.delayMs} ms`),
  });
}

export function hetznerClient(ctx: RunnerContext, token: Secret, clock: Clock, log: Logger): HetznerClient {
  return new HetznerClient({
    token: token.reveal(),
    ...(ctx.hetznerEndpoint ? { endpoint: ctx.hetznerEndpoint } : {}),
    now: () => clock.now(),
    sleep: (ms) => clock.sleep(ms),
    onRetry: (e) => log.info(`hetzner ${e.kind}: ${e.reason}; retry ${e.attempt} in ${e.delayMs} ms`),
  });
}

/** The Storage Box client (Hetzner API, same token): backup sub-accounts per project. */
export function storageBoxClient(
  ctx: RunnerContext,
  token: Secret,
  clock: Clock,
  log: Logger,
): StorageBoxClient {
  return new StorageBoxClient({
    token: token.reveal(),
    ...(ctx.storageBoxEndpoint ? { endpoint: ctx.storageBoxEndpoint } : {}),
    now: () => clock.now(),
    sleep: (ms) => clock.sleep(ms),
    onRetry: (e) => log.info(`hetzner ${e.kind}: ${e.reason}; retry ${e.attempt} in ${e.delayMs} ms`),
  });
}

export function githubClient(ctx: RunnerContext, token: Secret | undefined): GitHubApi | undefined {
  if (!token) return undefined;
  return createGitHubClient({ repo: ctx.repo, token, baseUrl: ctx.githubApiUrl });
}

/** Writes Markdown to the job summary (GITHUB_STEP_SUMMARY); a runner without one skips it. */
export async function writeSummary(markdown: string): Promise<void> {
  try {
    await core.summary.addRaw(markdown, true).write();
  } catch (err) {
    core.summary.emptyBuffer();
    core.info(`no job summary written: ${(err as Error).message}`);
  }
}
