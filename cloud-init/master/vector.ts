/**
 * The master's Vector config: Kong's access and error logs, parsed as Supabase's own
 * Vector config does (supabase/supabase docker/volumes/logs/vector.yml @03d712b1:41-83)
 * and sent to Logflare's `cloudflare.logs.prod` source (`:247-260`), which Studio's
 * API gateway log view reads. Logflare is reached on the compose network.
 *
 * No other master container is shipped: Logflare in Supabase mode creates no source for
 * them (Logflare v1.31.2 lib/logflare/single_tenant.ex:47-57) and accepts no other
 * name. Their logs stay with Docker (`docker compose -p supafleet-master logs`).
 * Worker logs do not pass through here: they reach Logflare through the master API
 * (`POST /v1/agent/logs`).
 */
import { toYaml } from '../shared/yaml.ts';

/** The Logflare source of Kong's logs. */
export const KONG_LOG_SOURCE = 'cloudflare.logs.prod';

export function renderMasterVector(): string {
  return toYaml({
    api: { enabled: true, address: '0.0.0.0:9001' },
    sources: {
      kong: {
        type: 'docker_logs',
        include_labels: ['com.docker.compose.project=supafleet-master', 'com.docker.compose.service=kong'],
      },
    },
    transforms: {
      // upstream's project_logs (:12-27): the message and container name kept, Docker's fields dropped;
      // Kong serves every project, and "master" is a reserved project name, so it names no project
      kong_events: {
        type: 'remap',
        inputs: ['kong'],
        source:
          '. = {"project": "master", "event_message": .message, "appname": .container_name, "timestamp": .timestamp}',
      },
      // :41-59 access log lines (nginx "combined"); other lines go to kong_err
      kong_logs: {
        type: 'remap',
        inputs: ['kong_events'],
        source: [
          'req, err = parse_nginx_log(.event_message, "combined")',
          'if err == null {',
          '  .timestamp = req.timestamp',
          '  .metadata.request.headers.referer = req.referer',
          '  .metadata.request.headers.user_agent = req.agent',
          '  .metadata.request.headers.cf_connecting_ip = req.client',
          '  .metadata.request.method = req.method',
          '  .metadata.request.path = req.path',
          '  .metadata.request.protocol = req.protocol',
          '  .metadata.response.status_code = req.status',
          '}',
          'if err != null {',
          '  abort',
          '}',
        ].join('\n'),
      },
      // :60-83 nginx error log lines
      kong_err: {
        type: 'remap',
        inputs: ['kong_events'],
        source: [
          '.metadata.request.method = "GET"',
          '.metadata.response.status_code = 200',
          'parsed, err = parse_nginx_log(.event_message, "error")',
          'if err == null {',
          '  .timestamp = parsed.timestamp',
          '  .severity = parsed.severity',
          '  .metadata.request.host = parsed.host',
          '  .metadata.request.headers.cf_connecting_ip = parsed.client',
          '  url, err = split(parsed.request, " ")',
          '  if err == null {',
          '    .metadata.request.method = url[0]',
          '    .metadata.request.path = url[1]',
          '    .metadata.request.protocol = url[2]',
          '  }',
          '}',
          'if err != null {',
          '  abort',
          '}',
        ].join('\n'),
      },
    },
    sinks: {
      logflare_kong: {
        type: 'http',
        inputs: ['kong_logs', 'kong_err'],
        uri: `http://logflare:4000/api/logs?source_name=${KONG_LOG_SOURCE}`,
        method: 'post',
        encoding: { codec: 'json' },
        request: {
          headers: { 'x-api-key': '${LOGFLARE_PUBLIC_ACCESS_TOKEN}' },
          retry_initial_backoff_secs: 1,
          retry_max_duration_secs: 30,
        },
      },
    },
  });
}
