/**
 * The worker's Vector config: reads this stack's container logs, tags each event
 * with the project and service, and ships it to the master's Logflare over wg, one
 * Logflare source per service (the names Studio's log explorer reads).
 */
import { toYaml } from '../shared/yaml.ts';

/** Compose service → Logflare source name. */
export const LOG_SOURCES = {
  auth: 'gotrue.logs.prod',
  db: 'postgres.logs',
  functions: 'deno-relay-logs',
  meta: 'pgmeta.logs.prod',
  realtime: 'realtime.logs.prod',
  rest: 'postgREST.logs.prod',
  storage: 'storage.logs.prod.2',
} as const;

export function renderWorkerVector(): string {
  const routes: Record<string, string> = {};
  const sinks: Record<string, unknown> = {};
  for (const [service, source] of Object.entries(LOG_SOURCES)) {
    routes[service] = `.service == "${service}"`;
    sinks[`logflare_${service}`] = {
      type: 'http',
      inputs: [`by_service.${service}`],
      encoding: { codec: 'json' },
      method: 'post',
      request: { retry_max_duration_secs: 30, headers: { 'x-api-key': '${LOGFLARE_API_KEY}' } },
      uri: `http://\${SUPAFLEET_MASTER}:4000/api/logs?source_name=${source}`,
    };
  }
  return toYaml({
    api: { enabled: true, address: '0.0.0.0:9001' },
    sources: {
      containers: {
        type: 'docker_logs',
        include_labels: ['com.docker.compose.project=supafleet'],
        exclude_containers: ['supafleet-vector-1'],
      },
    },
    transforms: {
      tagged: {
        type: 'remap',
        inputs: ['containers'],
        source: [
          '.project = get_env_var!("SUPAFLEET_PROJECT")',
          '.service = .label."com.docker.compose.service"',
          'del(.label)',
        ].join('\n'),
      },
      by_service: { type: 'route', inputs: ['tagged'], route: routes },
    },
    sinks,
  });
}
