/**
 * Worker log shipping on the master: `POST /v1/agent/logs` authenticated per project
 * and forwarded to Logflare on loopback. `server.ts` builds it from the configuration.
 */
import type { Logger } from 'pino';
import type { Deps } from '../deps.ts';
import type { Secret } from '../../../core/seal/index.ts';
import { createLogIngest, type LogIngest } from './ingest.ts';
import { createLogflareClient } from './logflare-client.ts';
import { registryLogKeyLookup } from './lookup.ts';

export { AGENT_LOGS_PATH, isAgentLogsRequest, serveAgentLogs, type LogIngest } from './ingest.ts';

/** The log ingest for a master with Logflare settings; undefined without them (requests get 503). */
export function logIngestFor(
  logflare: { readonly url: string; readonly token: Secret } | undefined,
  deps: Pick<Deps, 'registry' | 'secretBox' | 'metrics'>,
  log: Logger,
): LogIngest | undefined {
  if (!logflare) return undefined;
  return createLogIngest({
    lookup: registryLogKeyLookup(deps),
    logflare: createLogflareClient(logflare),
    log,
    metrics: deps.metrics,
  });
}
