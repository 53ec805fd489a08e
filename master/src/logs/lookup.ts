/**
 * The log ingest's view of the registry: the project at a wg address and the SHA-256
 * of its log key (the `logflare_api_key` project secret, which the worker's bundle
 * hands its Vector).
 */
import { createHash } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { projectSecrets } from '../projects.ts';
import type { LogKeyLookup } from './ingest.ts';

export function registryLogKeyLookup(deps: Pick<Deps, 'registry' | 'secretBox'>): LogKeyLookup {
  return {
    async logKeyByIp(ip) {
      const row = await deps.registry.agentByIp(ip);
      if (!row) return undefined;
      const secrets = await projectSecrets(deps, deps.registry, row.name);
      return {
        project: row.name,
        keyHash: createHash('sha256').update(secrets.logflare_api_key, 'utf8').digest(),
      };
    },
  };
}
