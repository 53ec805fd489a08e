/**
 * The worker's Vector config: reads this stack's container logs, parses them the way
 * Supabase's own Vector config does (supabase/supabase docker/volumes/logs/vector.yml
 * @03d712b1, lines cited below), and ships each service's events to the master's
 * authenticated log endpoint (`POST /v1/agent/logs` on the agent listener, over wg),
 * which stamps the project and forwards them to Logflare's Supabase-mode sources.
 *
 * The key is the project's log key (`LOGFLARE_API_KEY` in the worker's `.env`): it can
 * write this project's logs and nothing else. The master trusts no project field an
 * event carries; `.project` below is informational.
 *
 * postgres-meta, imgproxy, the agent and its socket proxy are not shipped: upstream
 * routes neither meta nor imgproxy (`:28-39`), and Logflare has no source for them.
 */
import { toYaml } from '../shared/yaml.ts';

/** The master's agent listener port (cloud-init/master/layout.ts `agentListen`). */
export const MASTER_AGENT_PORT = 8081;

/** Compose service → the Logflare source the master forwards it to (upstream sinks `:165-246`). */
export const LOG_SOURCES = {
  auth: 'gotrue.logs.prod',
  db: 'postgres.logs',
  functions: 'deno-relay-logs',
  realtime: 'realtime.logs.prod',
  rest: 'postgREST.logs.prod',
  storage: 'storage.logs.prod.2',
} as const;

type Service = keyof typeof LOG_SOURCES;

/** Upstream's `project_logs` (`:17-27`), run after routing because routing reads the compose label. */
const COMMON = [
  '.project = get_env_var!("SUPAFLEET_PROJECT")',
  '.event_message = del(.message)',
  '.appname = del(.container_name)',
  'del(.container_created_at)',
  'del(.container_id)',
  'del(.source_type)',
  'del(.stream)',
  'del(.label)',
  'del(.image)',
  'del(.host)',
];

/** Per service, upstream's parsing (line ranges in upstream's vector.yml). */
const PARSE: Record<Service, readonly string[]> = {
  // :89-94 GoTrue logs JSON; Studio reads it from metadata
  auth: [
    'parsed, err = parse_json(.event_message)',
    'if err == null {',
    '  .metadata.timestamp = parsed.time',
    '  .metadata = merge!(.metadata, parsed)',
    '}',
  ],
  // :100-106 PostgREST: "<time>: <message>". Upstream's to_timestamp! is gone from VRL
  // (vectordotdev/vrl CHANGELOG.md:639, before v0.30.0, which Vector v0.53.0 uses), so
  // the time is parsed with parse_timestamp and kept as is when it does not parse.
  rest: [
    "parsed, err = parse_regex(.event_message, r'^(?P<time>.*): (?P<msg>.*)$')",
    'if err == null {',
    '  .event_message = parsed.msg',
    '  ts, terr = parse_timestamp(parsed.time, format: "%d/%b/%Y:%H:%M:%S %z")',
    '  if terr == null { .timestamp = ts }',
    '  .metadata.host = .project',
    '}',
  ],
  // :112-119 Realtime: "<time> [<level>] <message>"
  realtime: [
    '.metadata.project = del(.project)',
    '.metadata.external_id = .metadata.project',
    "parsed, err = parse_regex(.event_message, r'^(?P<time>\\d+:\\d+:\\d+\\.\\d+) \\[(?P<level>\\w+)\\] (?P<msg>.*)$')",
    'if err == null {',
    '  .event_message = parsed.msg',
    '  .metadata.level = parsed.level',
    '}',
  ],
  // :125-126 Edge Functions: plain stderr lines
  functions: ['.metadata.project_ref = del(.project)'],
  // :132-142 Storage: pino JSON
  storage: [
    '.metadata.project = del(.project)',
    '.metadata.tenantId = .metadata.project',
    'parsed, err = parse_json(.event_message)',
    'if err == null {',
    '  .event_message = parsed.msg',
    '  .metadata.level = parsed.level',
    '  .metadata.timestamp = parsed.time',
    '  .metadata.context[0].host = parsed.hostname',
    '  .metadata.context[0].pid = parsed.pid',
    '}',
  ],
  // :148-163 Postgres: severity for Studio's filter (metadata.parsed.error_severity)
  db: [
    '.metadata.host = "db-" + string!(.project)',
    '.metadata.parsed.timestamp = .timestamp',
    "parsed, err = parse_regex(.event_message, r'.*(?P<level>INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC?):.*', numeric_groups: true)",
    'if err != null || parsed == null {',
    '  .metadata.parsed.error_severity = "info"',
    '}',
    'if parsed != null {',
    '  .metadata.parsed.error_severity = parsed.level',
    '}',
    'if .metadata.parsed.error_severity == "info" {',
    '  .metadata.parsed.error_severity = "log"',
    '}',
    '.metadata.parsed.error_severity = upcase!(.metadata.parsed.error_severity)',
  ],
};

export function renderWorkerVector(): string {
  const routes: Record<string, string> = {};
  const transforms: Record<string, unknown> = {};
  const sinks: Record<string, unknown> = {};
  for (const [service, source] of Object.entries(LOG_SOURCES) as [Service, string][]) {
    routes[service] = `.label."com.docker.compose.service" == "${service}"`;
    transforms[`${service}_logs`] = {
      type: 'remap',
      inputs: [`router.${service}`],
      source: [...COMMON, ...PARSE[service]].join('\n'),
    };
    sinks[`master_${service}`] = {
      type: 'http',
      inputs: [`${service}_logs`],
      uri: `http://\${SUPAFLEET_MASTER}:${MASTER_AGENT_PORT}/v1/agent/logs?source_name=${source}`,
      method: 'post',
      auth: { strategy: 'bearer', token: '${LOGFLARE_API_KEY}' },
      encoding: { codec: 'json' },
      // well under the master's 1 MiB body limit (master/src/logs/ingest.ts)
      batch: { max_bytes: 262_144, max_events: 1000, timeout_secs: 1 },
      request: { retry_initial_backoff_secs: 1, retry_max_duration_secs: 30 },
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
    transforms: { router: { type: 'route', inputs: ['containers'], route: routes }, ...transforms },
    sinks,
  });
}
