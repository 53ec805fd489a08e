import { isAbsolute } from 'node:path';
import { Secret } from '../../core/seal/secret.ts';
import { describeErrors, validators, type Validator } from './schema.ts';

/** The config file as written at enrollment (schemas/agent-config.schema.json). */
interface RawConfig {
  project: string;
  master_url: string;
  token: string;
  listen: string;
  seal_private_key_file: string;
  state_dir: string;
  wg_interface?: string;
  command_key: string;
  heartbeat_interval_s?: number;
}

/** The agent's settings, parsed once at start. Secrets are `Secret`s so no log line can print them. */
export interface AgentConfig {
  readonly project: string;
  /** Base URL without a trailing slash. */
  readonly masterUrl: string;
  readonly token: Secret;
  readonly listen: { readonly host: string; readonly port: number };
  readonly sealPrivateKey: Secret;
  readonly stateDir: string;
  readonly wgInterface: string;
  readonly commandKey: Secret;
  /**
   * Seconds between regular heartbeats (1..300). `loadConfig` always fills it
   * (default 30); configs built in code may leave it out for the default.
   */
  readonly heartbeatIntervalS?: number;
}

/** The heartbeat interval when the config names none, and the range a config may name. */
export const HEARTBEAT_INTERVAL_S = { default: 30, min: 1, max: 300 } as const;

const validate = validators.config as Validator<RawConfig>;

/** Reads a file as text; injected so tests need no real files. */
export type ReadText = (path: string) => Promise<string>;

/**
 * Loads and checks the config file, then reads the seal private key it names.
 * Every problem is reported at once, in one error naming the file.
 */
export async function loadConfig(path: string, readText: ReadText): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readText(path);
  } catch (err) {
    throw new Error(`cannot read the agent config ${path}: ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`the agent config ${path} is not valid JSON; expected the object written at enrollment`);
  }
  const problems = checkConfig(raw);
  if (problems.length > 0) {
    throw new Error(`the agent config ${path} is invalid:\n  - ${problems.join('\n  - ')}`);
  }
  const c = raw as RawConfig;
  let key: string;
  try {
    key = (await readText(c.seal_private_key_file)).trim();
  } catch (err) {
    throw new Error(
      `cannot read the seal private key ${c.seal_private_key_file} named by ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (!/^[A-Za-z0-9+/]{43}=$/.test(key)) {
    throw new Error(
      `the seal private key ${c.seal_private_key_file} is not base64 of 32 bytes; expected 44 characters as \`wg genkey\` writes them`,
    );
  }
  const listen = parseListen(c.listen)!;
  return {
    project: c.project,
    masterUrl: c.master_url.replace(/\/+$/, ''),
    token: new Secret(c.token),
    listen,
    sealPrivateKey: new Secret(key),
    stateDir: c.state_dir,
    wgInterface: c.wg_interface ?? 'wg0',
    commandKey: new Secret(c.command_key),
    heartbeatIntervalS: c.heartbeat_interval_s ?? HEARTBEAT_INTERVAL_S.default,
  };
}

/** Schema errors plus the checks a schema cannot express; empty when the config is usable. Never echoes secret fields. */
export function checkConfig(raw: unknown): string[] {
  if (!validate(raw)) return describeConfigErrors(raw, validate.errors);
  const c = raw as RawConfig;
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]{1,62}$/.test(c.project)) {
    problems.push(`/project: "${c.project}" is not a project name; expected a lower-case DNS label`);
  }
  if (!isHttpUrl(c.master_url)) {
    problems.push(`/master_url: "${c.master_url}" is not a URL; expected http(s)://<wg address>:<port>`);
  }
  if (!parseListen(c.listen)) {
    problems.push(`/listen: "${c.listen}" is not host:port; expected e.g. 10.100.0.2:8082`);
  }
  if (!isAbsolute(c.state_dir)) {
    problems.push(`/state_dir: "${c.state_dir}" is relative; expected an absolute directory`);
  }
  if (!isAbsolute(c.seal_private_key_file)) {
    problems.push(
      `/seal_private_key_file: "${c.seal_private_key_file}" is relative; expected an absolute path`,
    );
  }
  if (c.token.length < 16) problems.push('/token: too short; expected the agent token from enrollment');
  if (c.command_key.length < 32) problems.push('/command_key: too short; expected base64url of 32 bytes');
  if (c.wg_interface !== undefined && !/^[A-Za-z0-9_.-]{1,15}$/.test(c.wg_interface)) {
    problems.push(`/wg_interface: "${c.wg_interface}" is not an interface name`);
  }
  return problems;
}

/**
 * Schema errors as sentences; the heartbeat interval's (type, minimum,
 * maximum) become one that names the value and the range.
 */
function describeConfigErrors(raw: unknown, errors: Validator<RawConfig>['errors']): string[] {
  const interval = '/heartbeat_interval_s';
  const others = (errors ?? []).filter((e) => e.instancePath !== interval);
  const problems = describeErrors(others);
  if (others.length < (errors ?? []).length) {
    const value = String(JSON.stringify((raw as Record<string, unknown>)['heartbeat_interval_s'])).slice(
      0,
      40,
    );
    const { min, max } = HEARTBEAT_INTERVAL_S;
    problems.push(
      `${interval}: ${value} is invalid; expected a whole number of seconds from ${min} to ${max} (default ${HEARTBEAT_INTERVAL_S.default})`,
    );
  }
  return problems;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `host:port` or `[v6]:port`. */
export function parseListen(s: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 0 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}
