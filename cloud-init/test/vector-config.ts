/**
 * A structural check of a rendered Vector config, for where no `vector validate` runs
 * (Debian has no vector package). It models what Vector v0.53.0 refuses at load time
 * for the components supafleet uses, from Vector's source at tag v0.53.0:
 *
 * - unknown options: every config struct is `deny_unknown_fields`; the options below are
 *   the fields of `DockerLogsConfig` (src/sources/docker_logs/mod.rs), `RemapConfig`
 *   (src/transforms/remap.rs), `RouteConfig` (src/transforms/route.rs), `HttpSinkConfig`
 *   (src/sinks/http/config.rs), its `BatchConfig` (src/sinks/util/batch.rs:107-118),
 *   `RequestConfig` with the flattened `TowerRequestConfig` (src/sinks/util/http.rs,
 *   src/sinks/util/service.rs:114) and `Auth` (src/http.rs:276-300);
 * - inputs that name no component (a route's outputs are `<route>.<name>` and
 *   `<route>._unmatched`);
 * - VRL that does not compile: calls to functions VRL v0.30.0 does not have
 *   (fixtures/vrl-v0.30.0-functions.txt) and fallible calls left unhandled (VRL refuses
 *   a program whose fallible call is neither `f!(…)` nor assigned as `x, err = f(…)`).
 *
 * Plus supafleet's own rule: every `${VAR}` the config interpolates is in the container's
 * environment.
 */
import { readFileSync } from 'node:fs';

const VRL_FUNCTIONS = new Set(
  readFileSync(new URL('./fixtures/vrl-v0.30.0-functions.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#')),
);

/**
 * Functions that can fail for the argument types our programs give them (parse errors, or
 * `any`-typed arguments), so VRL requires their errors handled.
 */
const FALLIBLE = new Set([
  'get_env_var',
  'merge',
  'parse_json',
  'parse_nginx_log',
  'parse_regex',
  'parse_timestamp',
  'split',
  'string',
  'upcase',
]);

const OPTIONS: Record<string, readonly string[]> = {
  docker_logs: [
    'host_key',
    'docker_host',
    'exclude_containers',
    'include_containers',
    'include_labels',
    'include_images',
    'partial_event_marker_field',
    'auto_partial_merge',
    'retry_backoff_secs',
    'multiline',
    'tls',
  ],
  remap: [
    'inputs',
    'source',
    'file',
    'files',
    'metric_tag_values',
    'timezone',
    'drop_on_error',
    'drop_on_abort',
    'reroute_dropped',
    'runtime',
  ],
  route: ['inputs', 'route', 'reroute_unmatched'],
  http: [
    'inputs',
    'uri',
    'method',
    'auth',
    'headers',
    'compression',
    'encoding',
    'framing',
    'payload_prefix',
    'payload_suffix',
    'batch',
    'request',
    'tls',
    'acknowledgements',
  ],
};
const BATCH = ['max_bytes', 'max_events', 'timeout_secs'];
const REQUEST = [
  'concurrency',
  'timeout_secs',
  'rate_limit_duration_secs',
  'rate_limit_num',
  'retry_attempts',
  'retry_max_duration_secs',
  'retry_initial_backoff_secs',
  'retry_jitter_mode',
  'adaptive_concurrency',
  'headers',
];
const KIND: Record<string, 'sources' | 'transforms' | 'sinks'> = {
  docker_logs: 'sources',
  remap: 'transforms',
  route: 'transforms',
  http: 'sinks',
};

type Doc = Record<string, unknown>;

function obj(v: unknown): Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Doc) : {};
}

function unknownKeys(where: string, v: unknown, allowed: readonly string[]): string[] {
  return Object.keys(obj(v))
    .filter((k) => !allowed.includes(k))
    .map((k) => `${where}: unknown option "${k}"`);
}

/** Problems in one VRL program (a remap source or a route condition). */
export function vrlProblems(where: string, program: string): string[] {
  const out: string[] = [];
  // strip raw strings, strings and comments so their text is not read as calls
  const code = program
    .replace(/r'(?:[^'\\]|\\.)*'/g, "r''")
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/#.*$/gm, '');
  for (const m of code.matchAll(/\b([a-z_][a-z0-9_]*)(!?)\(/g)) {
    const [, name, bang] = m as unknown as [string, string, string];
    if (['if', 'else', 'abort'].includes(name)) continue;
    if (!VRL_FUNCTIONS.has(name)) {
      out.push(`${where}: VRL v0.30.0 has no function ${name}()`);
      continue;
    }
    if (FALLIBLE.has(name) && bang !== '!') {
      const line = code.slice(code.lastIndexOf('\n', m.index) + 1, m.index);
      if (!/^\s*[a-z_][a-z0-9_]*\s*,\s*[a-z_][a-z0-9_]*\s*=\s*$/.test(line)) {
        out.push(
          `${where}: fallible ${name}() must be called as ${name}!() or assigned as "x, err = ${name}(…)"`,
        );
      }
    }
  }
  for (const m of program.matchAll(/r'((?:[^'\\]|\\.)*)'/g)) {
    try {
      new RegExp(m[1]!.replace(/\(\?P</g, '(?<'));
    } catch (err) {
      out.push(`${where}: regex r'${m[1]}' does not compile: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Every problem found in a parsed Vector config; `env` is the container's environment names. */
export function vectorConfigProblems(doc: unknown, env: readonly string[]): string[] {
  const out: string[] = [];
  const root = obj(doc);
  out.push(...unknownKeys('top level', root, ['api', 'sources', 'transforms', 'sinks']));
  out.push(...unknownKeys('api', root.api, ['enabled', 'address', 'playground', 'graphql']));
  const ids = new Set<string>();
  const consumed = new Set<string>();
  const components: [string, 'sources' | 'transforms' | 'sinks', Doc][] = [];
  for (const kind of ['sources', 'transforms', 'sinks'] as const) {
    for (const [id, c] of Object.entries(obj(root[kind]))) {
      const type = String(obj(c).type);
      if (KIND[type] !== kind) {
        out.push(`${kind}.${id}: type "${type}" is not a ${kind.slice(0, -1)} supafleet knows`);
        continue;
      }
      components.push([id, kind, obj(c)]);
      ids.add(id);
      if (type === 'route') {
        for (const r of Object.keys(obj(obj(c).route))) ids.add(`${id}.${r}`);
        ids.add(`${id}._unmatched`);
      }
    }
  }
  for (const [id, kind, c] of components) {
    const where = `${kind}.${id}`;
    const type = String(c.type);
    out.push(...unknownKeys(where, c, ['type', ...(OPTIONS[type] ?? [])]));
    if (kind !== 'sources') {
      const inputs = c.inputs;
      if (!Array.isArray(inputs) || inputs.length === 0) out.push(`${where}: needs inputs`);
      for (const i of Array.isArray(inputs) ? inputs : []) {
        if (!ids.has(String(i))) out.push(`${where}: input "${String(i)}" names no component`);
        consumed.add(String(i).split('.')[0]!);
      }
    }
    if (type === 'remap') {
      if (typeof c.source !== 'string') out.push(`${where}: needs a VRL source`);
      else out.push(...vrlProblems(where, c.source));
    }
    if (type === 'route') {
      for (const [name, cond] of Object.entries(obj(c.route))) {
        if (typeof cond !== 'string') out.push(`${where}.route.${name}: expected a VRL condition`);
        else out.push(...vrlProblems(`${where}.route.${name}`, cond));
      }
    }
    if (type === 'http') {
      if (typeof c.uri !== 'string' || !/^https?:\/\//.test(c.uri)) out.push(`${where}: uri must be http(s)`);
      if (obj(c.encoding).codec !== 'json') out.push(`${where}: encoding.codec must be json`);
      out.push(...unknownKeys(`${where}.encoding`, c.encoding, ['codec']));
      out.push(...unknownKeys(`${where}.batch`, c.batch, BATCH));
      out.push(...unknownKeys(`${where}.request`, c.request, REQUEST));
      if (c.auth !== undefined) {
        const a = obj(c.auth);
        if (a.strategy !== 'bearer' || typeof a.token !== 'string')
          out.push(`${where}.auth: expected {strategy: bearer, token}`);
        out.push(...unknownKeys(`${where}.auth`, a, ['strategy', 'token']));
      }
    }
  }
  for (const [id, kind] of components) {
    if (kind !== 'sinks' && !consumed.has(id)) out.push(`${kind}.${id}: nothing reads it`);
  }
  for (const m of JSON.stringify(doc).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}/g)) {
    if (!env.includes(m[1]!)) out.push(`\${${m[1]}} is not in the container's environment`);
  }
  return out;
}
