/**
 * Every healthcheck of the rendered worker and master compose files, executed for
 * real: under the image's /bin/sh (dash for Debian/Ubuntu images, `busybox sh` for
 * Alpine ones), with a PATH holding only the tools that image has
 * (fixtures/image-facts.ts, each row cited to its Dockerfile), inside a network
 * namespace of its own where a listener on loopback answers as the service would.
 * A check that calls a tool its image lacks fails here; a check whose tool exists
 * in the image but not on this machine (the service's own binary, such as
 * `postgrest --ready`) is listed and asserted, never skipped silently.
 *
 * The stand-in answers 200 on the check's path (401 without the expected bearer
 * token when the check sends one), speaks enough of the PostgreSQL protocol for
 * pg_isready, and listens on 127.0.0.1 and ::1; /etc/hosts in the namespace maps
 * localhost and the service's own name to loopback, as Docker's DNS maps the
 * service name to the container.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { PG_BIN } from '../../test/support/postgres.ts';
import { toolsSkipReason } from '../../test/support/tools.ts';
import { renderMasterCompose } from '../master/compose.ts';
import { placeholderOpened, placeholderSecrets } from '../placeholders.ts';
import { parseEnvFile } from '../shared/env-file.ts';
import { images, type ImageRole } from '../versions.ts';
import { renderWorkerBundle } from '../worker/bundle.ts';
import { IMAGE_FACTS, type ImageFacts } from './fixtures/image-facts.ts';
import { fleetSpec, projectSpecs } from './fixtures/specs.ts';

/** Where each tool comes from on this machine, when it is here at all. */
const HERE: Record<string, string | undefined> = {
  bash: '/usr/bin/bash',
  dash: '/usr/bin/dash',
  busybox: '/usr/bin/busybox',
  curl: '/usr/bin/curl',
  node: process.execPath,
  pg_isready: join(PG_BIN, 'pg_isready'),
};

const BUSYBOX_APPLETS = ['wget', 'grep', 'nc'];

/** Whether this machine can stand in for `tool` of an image with these facts. */
function runnableHere(facts: ImageFacts, tool: string): boolean {
  if (tool === 'sh') return facts.shell !== 'none';
  if (facts.shell === 'busybox' && BUSYBOX_APPLETS.includes(tool)) return true;
  const path = HERE[tool];
  return path !== undefined && existsSync(path);
}

/** Checks whose tool the image has but this machine does not: named, not run. */
const NOT_RUNNABLE_HERE = [
  'master kong: kong (kong health)',
  'master redis: redis-cli (CMD-SHELL)',
  'worker imgproxy: imgproxy (imgproxy health)',
  'worker rest: postgrest (postgrest --ready)',
];

function skipReason(): string | undefined {
  const tools = toolsSkipReason(
    ['unshare', 'ip', 'busybox', 'dash', 'bash', 'curl'],
    'the healthcheck tests',
  );
  if (tools) return tools;
  // `mount` (util-linux's mount package, on every Debian system) binds the namespace's /etc/hosts.
  if (process.getuid?.() !== 0 && process.env.CI !== 'true')
    return 'needs root for a network and mount namespace (unshare)';
  return undefined;
}
const skip = skipReason();
if (skip) console.warn(`skipping healthcheck tests: ${skip}`);

interface Check {
  readonly id: string;
  readonly role: ImageRole;
  readonly test: readonly string[];
  readonly env: Record<string, string>;
}

const IMAGE_ROLE = new Map<string, ImageRole>(
  (Object.entries(images) as [ImageRole, string][]).map(([role, ref]) => [ref, role]),
);

/** Compose interpolation of one value: `$$` is a literal `$`, `${NAME}` comes from the env file. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (m, name?: string, dflt?: string) =>
    m === '$$' ? '$' : (env[name!] ?? dflt ?? `placeholder-${name!.toLowerCase()}`),
  );
}

function checksOf(stack: string, composeText: string, env: Record<string, string>): Check[] {
  const doc = parse(composeText) as {
    services: Record<
      string,
      { image: string; healthcheck?: { test: string[] }; environment?: Record<string, unknown> }
    >;
  };
  return Object.entries(doc.services)
    .filter(([, s]) => s.healthcheck)
    .map(([name, s]) => {
      const role = IMAGE_ROLE.get(s.image);
      if (!role) throw new Error(`${stack} ${name}: image ${s.image} is not pinned in versions.ts`);
      return {
        id: `${stack} ${name}`,
        role,
        test: s.healthcheck!.test.map((t) => interpolate(t, env)),
        env: Object.fromEntries(
          Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), env)]),
        ),
      };
    });
}

function renderedChecks(): { checks: Check[]; anonKey: string } {
  const project = resolveProject(projectSpecs.typical!);
  const bundle = renderWorkerBundle({
    fleet: resolveFleet(fleetSpec),
    project,
    secrets: placeholderSecrets(),
    opened: placeholderOpened(project),
    revision: 1,
    wgAddress: '10.100.0.5',
  });
  const env = parseEnvFile(bundle.get('.env')!);
  return {
    checks: [
      ...checksOf('worker', bundle.get('docker-compose.yml')!, env),
      ...checksOf('master', renderMasterCompose(resolveFleet(fleetSpec)), {}),
    ],
    anonKey: env.ANON_KEY!,
  };
}

/** The argv Docker runs: CMD as given, CMD-SHELL through /bin/sh -c. */
function argvOf(check: Check): string[] {
  const [kind, ...rest] = check.test;
  if (kind === 'CMD') return rest;
  if (kind === 'CMD-SHELL') return ['sh', '-c', rest.join(' ')];
  throw new Error(`${check.id}: healthcheck test ${JSON.stringify(check.test)} is neither CMD nor CMD-SHELL`);
}

/** The tool the command needs first: the program, or for a shell line its first word. */
function toolsNeeded(check: Check): string[] {
  const argv = argvOf(check);
  const program = argv[0]!.split('/').pop()!;
  if (check.test[0] !== 'CMD-SHELL') return [program];
  const line = argv[2]!;
  const words = line
    .split(/[|;&]+/)
    .map((part) =>
      part
        .trim()
        .split(/\s+/)
        .find((w) => !/^[A-Z_]+=/.test(w)),
    )
    .filter((w): w is string => w !== undefined);
  return ['sh', ...words.filter((w) => !SHELL_BUILTINS.has(w))];
}

const SHELL_BUILTINS = new Set(['exec', 'test', '[', 'echo', 'true', 'false', 'cd', 'exit', 'printf']);

interface Target {
  readonly kind: 'http' | 'tcp' | 'postgres';
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

function targetOf(check: Check): Target | undefined {
  const text = argvOf(check).join(' ');
  const url = /(https?):\/\/([^/:'"\s]+):(\d+)(\/[^'"\s)]*)?/.exec(text);
  if (url) return { kind: 'http', host: url[2]!, port: Number(url[3]), path: url[4] ?? '/' };
  const tcp = /\/dev\/tcp\/([^/]+)\/(\d+)/.exec(text);
  if (tcp) return { kind: 'tcp', host: tcp[1]!, port: Number(tcp[2]), path: '/' };
  if (/pg_isready/.test(text)) {
    const host = /-h\s+(\S+)/.exec(text)?.[1] ?? 'localhost';
    return { kind: 'postgres', host, port: Number(check.env.PGPORT ?? 5432), path: '' };
  }
  return undefined;
}

/** The runner executed inside the namespaces: starts the listener, runs the check, reports. */
const RUNNER = String.raw`
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
function listen(t) {
  if (!t) return Promise.resolve([]);
  const make = () => t.kind === 'postgres'
    ? net.createServer((sock) => sock.on('data', (buf) => {
        const code = buf.length >= 8 ? buf.readInt32BE(4) : 0;
        if (code === 80877103 || code === 80877104) return void sock.write('N');
        if (buf[0] === 0x58) return void sock.end();
        // AuthenticationOk, then ReadyForQuery (idle): what a running server answers a trusted user
        sock.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, 0x5a, 0, 0, 0, 5, 0x49]));
      }))
    : http.createServer((req, res) => {
        const path = req.url.split('?')[0];
        const authOk = !job.requireAuth || req.headers.authorization === job.requireAuth;
        res.statusCode = t.kind === 'tcp' || (path === t.path && authOk) ? 200 : authOk ? 404 : 401;
        res.end(res.statusCode === 200 ? 'ok' : 'no');
      });
  return Promise.all(['127.0.0.1', '::1'].map((addr) => new Promise((resolve) => {
    const s = make();
    s.once('error', () => resolve(undefined));
    s.listen(t.port, addr, () => resolve(s));
  }))).then((all) => all.filter(Boolean));
}
function run() {
  return new Promise((resolve) => {
    const p = spawn(job.argv[0], job.argv.slice(1), { env: job.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 10000);
    p.on('error', (e) => { clearTimeout(timer); resolve({ code: 127, out: String(e) }); });
    p.on('close', (code, signal) => { clearTimeout(timer); resolve({ code: code ?? 128, signal, out: out.slice(0, 2000) }); });
  });
}
const servers = job.listen ? await listen(job.target) : [];
const result = await run();
for (const s of servers) s.close();
process.stdout.write(JSON.stringify(result));
`;

let dir = '';

interface Outcome {
  readonly code: number;
  readonly out: string;
}

/** Runs one check in fresh network and mount namespaces; `listen` starts the service stand-in. */
function execute(
  check: Check,
  facts: ImageFacts,
  target: Target | undefined,
  listen: boolean,
  anonKey: string,
): Outcome {
  const work = mkdtempSync(join(dir, 'hc-'));
  const bin = join(work, 'bin');
  mkdirSync(bin);
  const link = (name: string, to: string) => symlinkSync(to, join(bin, name));
  if (facts.shell === 'dash') link('sh', HERE.dash!);
  if (facts.shell === 'busybox') link('sh', HERE.busybox!);
  for (const tool of facts.tools) {
    if (facts.shell === 'busybox' && BUSYBOX_APPLETS.includes(tool)) link(tool, HERE.busybox!);
    else if (HERE[tool]) link(tool, HERE[tool]);
  }
  const argv = argvOf(check);
  const program = argv[0]!.includes('/') ? argv[0]! : join(bin, argv[0]!);
  const hosts = join(work, 'hosts');
  const name = check.id.split(' ')[1]!;
  writeFileSync(hosts, `127.0.0.1 localhost ${name}\n::1 localhost ip6-localhost ip6-loopback\n`);
  const job = join(work, 'job.json');
  writeFileSync(
    job,
    JSON.stringify({
      argv: [program, ...argv.slice(1)],
      env: { ...check.env, PATH: bin, HOME: work },
      target,
      listen,
      requireAuth: /Authorization: Bearer/.test(argv.join(' ')) ? `Bearer ${anonKey}` : undefined,
    }),
  );
  writeFileSync(join(work, 'runner.mjs'), RUNNER);
  const r = spawnSync(
    '/usr/bin/unshare',
    [
      '--net',
      '--mount',
      '--',
      '/bin/sh',
      '-c',
      `mount --bind "$1" /etc/hosts && ip link set lo up && exec "$2" "$3" "$4"`,
      'sh',
      hosts,
      process.execPath,
      join(work, 'runner.mjs'),
      job,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (r.status !== 0) throw new Error(`${check.id}: the namespace runner failed: ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout) as Outcome;
}

describe.skipIf(skip !== undefined)('rendered healthchecks, run under their image’s shell and tools', () => {
  const { checks, anonKey } = renderedChecks();
  const notRunnable: string[] = [];
  const results: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sf-hc-'));
  });
  afterAll(() => {
    console.info(
      ['healthchecks:', ...results, 'not runnable here:', ...notRunnable.map((n) => `  ${n}`)].join('\n'),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the stacks are rendered, then every image with a healthcheck has a row of facts', () => {
    expect(checks.length).toBeGreaterThan(10);
    for (const c of checks) expect(IMAGE_FACTS[c.role], `${c.id} (${c.role})`).toBeDefined();
  });

  it('when a healthcheck calls a tool, then its image has that tool (and a shell for CMD-SHELL)', () => {
    const missing: string[] = [];
    for (const c of checks) {
      const facts = IMAGE_FACTS[c.role]!;
      const has = new Set<string>([...facts.tools, ...(facts.shell === 'none' ? [] : ['sh'])]);
      for (const tool of toolsNeeded(c))
        if (!has.has(tool)) missing.push(`${c.id}: ${tool} is not in ${images[c.role]}`);
    }
    expect(missing).toEqual([]);
  });

  it('when a healthcheck calls a tool its image lacks (curl in edge-runtime), then running it fails', () => {
    const c: Check = {
      id: 'worker functions',
      role: 'functions',
      test: ['CMD', 'curl', '-sf', 'http://127.0.0.1:9000/'],
      env: {},
    };
    expect(toolsNeeded(c).filter((t) => !IMAGE_FACTS.functions!.tools.includes(t))).toEqual(['curl']);
    expect(execute(c, IMAGE_FACTS.functions!, targetOf(c), true, anonKey).code).not.toBe(0);
  });

  it('when each healthcheck runs against a listener that answers like its service, then it passes; with nothing listening, it fails', () => {
    const failures: string[] = [];
    for (const c of checks) {
      const facts = IMAGE_FACTS[c.role]!;
      const program = toolsNeeded(c).find((t) => facts.tools.includes(t) && !runnableHere(facts, t));
      if (program !== undefined) {
        notRunnable.push(
          `${c.id}: ${program} (${argvOf(c)[0] === 'sh' ? 'CMD-SHELL' : argvOf(c).join(' ').slice(0, 60)})`,
        );
        continue;
      }
      const target = targetOf(c);
      const up = execute(c, facts, target, true, anonKey);
      const down = execute(c, facts, target, false, anonKey);
      results.push(
        `  ${up.code === 0 && down.code !== 0 ? 'ok  ' : 'FAIL'} ${c.id} [${facts.shell}] ${argvOf(c).join(' ').slice(0, 100)}`,
      );
      if (up.code !== 0) failures.push(`${c.id}: exit ${up.code} with the service up: ${up.out.trim()}`);
      if (down.code === 0) failures.push(`${c.id}: exit 0 with nothing listening`);
    }
    expect(failures).toEqual([]);
    expect(notRunnable.map((n) => n.replace(/ \(.*$/, '')).sort()).toEqual(
      NOT_RUNNABLE_HERE.map((n) => n.replace(/ \(.*$/, '')).sort(),
    );
  }, 240_000);
});
