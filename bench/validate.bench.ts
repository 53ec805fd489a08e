/**
 * Validation of a generated fleet of 1,000 projects, each using most fields.
 * A child process runs `supafleet validate --root <dir> --json` through the CLI
 * entry (in-process main, as the bin does) and reports its own figures: the
 * validation's wall time and CPU time, and the process's peak resident memory
 * (Node and the CLI's modules included).
 *
 * And the cold start of the bundled command (cli/dist/supafleet.mjs, the package's
 * bin) validating examples/fleet, against a bare `node -e 0`: runs alternate
 * between the two (so both see the same load), and the figure is the ratio of the
 * medians (target: at most 2x).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult } from './types.ts';

const PROJECTS = 1_000;
const TIMEOUT_MS = 120_000;
const CHILD_FLAG = '--child';

interface ChildFigures {
  readonly exitCode: number;
  readonly projects: number;
  readonly errors: number;
  readonly validateMs: number;
  readonly validateCpuMs: number;
  readonly maxRssKb: number;
}

export async function run(): Promise<BenchResult[]> {
  return [...coldStart(), ...(await fleetOf1000()), await slowestHostileFile()];
}

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BUNDLED_BIN = join(REPO, 'cli', 'dist', 'supafleet.mjs');
const DEV_BIN = join(REPO, 'cli', 'bin', 'supafleet.js');
/** Runs of each command (alternating); fewer when the time budget runs out first, never under MIN_RUNS. */
const COLD_RUNS = 21;
const MIN_RUNS = 5;
const COLD_BUDGET_MS = 60_000;

/** Wall time of one run of `node <args>` in ms; throws when it fails or takes over 20 s. */
function timeNode(args: readonly string[], expectExit = 0): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: REPO, stdio: 'ignore', timeout: 20_000 });
  const ms = performance.now() - started;
  if (r.status !== expectExit) throw new Error(`node ${args.join(' ')} exited ${r.status ?? r.signal}`);
  return ms;
}

/**
 * CPU time (user + system, ms) of this process's finished children, from /proc (Linux; clock
 * ticks of 10 ms), or undefined elsewhere. Less sensitive to other load than wall time.
 */
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5): cutime and cstime; fields[0] is field 3.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `supafleet validate --root examples/fleet` from the bundle, cold, against `node -e 0`. */
function coldStart(): BenchResult[] {
  if (!existsSync(BUNDLED_BIN)) throw new Error(`${BUNDLED_BIN} is missing: run npm run build:cli`);
  const validate = [BUNDLED_BIN, 'validate', '--root', 'examples/fleet'];
  const bare: number[] = [];
  const cli: number[] = [];
  const cpu = { bare: 0, cli: 0 };
  // One warm-up of each: the first run pays for reading the files from disk.
  timeNode(['-e', '0']);
  timeNode(validate);
  const deadline = performance.now() + COLD_BUDGET_MS;
  while (bare.length < COLD_RUNS && (bare.length < MIN_RUNS || performance.now() < deadline)) {
    const before = childrenCpuMs();
    bare.push(timeNode(['-e', '0']));
    const between = childrenCpuMs();
    cli.push(timeNode(validate));
    const after = childrenCpuMs();
    if (before !== undefined && between !== undefined && after !== undefined) {
      cpu.bare += between - before;
      cpu.cli += after - between;
    }
  }
  // The development entry (tsx compiles the sources at start), for comparison: three runs.
  const dev = [0, 1, 2].map(() => timeNode([DEV_BIN, 'validate', '--root', 'examples/fleet']));
  const ratio = Math.round((median(cli) / median(bare)) * 100) / 100;
  const cpuFigures: BenchResult[] =
    cpu.bare > 0
      ? [
          {
            name: `supafleet validate examples/fleet, bundled CLI cold start: CPU time / CPU time of node -e 0 (${cli.length} runs each, less sensitive to other load)`,
            value: Math.round((cpu.cli / cpu.bare) * 100) / 100,
            unit: 'x',
            target: 'report',
            ok: true,
          },
        ]
      : [];
  return [
    {
      name: `supafleet validate examples/fleet, bundled CLI cold start: median of ${cli.length} runs / median of node -e 0`,
      value: ratio,
      unit: 'x',
      target: '<= 2x',
      ok: ratio <= 2,
    },
    ...cpuFigures,
    {
      name: `supafleet validate examples/fleet, bundled CLI cold start: median wall time (${cli.length} runs)`,
      value: Math.round(median(cli)),
      unit: 'ms',
      target: 'report',
      ok: true,
    },
    {
      name: `node -e 0: median wall time (${bare.length} runs, alternating with the CLI)`,
      value: Math.round(median(bare)),
      unit: 'ms',
      target: 'report',
      ok: true,
    },
    {
      name: 'supafleet validate examples/fleet through tsx (cli/bin/supafleet.js, development entry): median of 3 runs',
      value: Math.round(median(dev)),
      unit: 'ms',
      target: 'report',
      ok: true,
    },
  ];
}

async function fleetOf1000(): Promise<BenchResult[]> {
  const root = await mkdtemp(join(tmpdir(), 'sf-validate-bench-'));
  try {
    await writeFleet(root, PROJECTS);
    const figures = await runChild(root);
    if (figures.exitCode !== 0 || figures.projects !== PROJECTS) {
      throw new Error(`generated fleet did not validate: exit ${figures.exitCode}, ${figures.errors} errors`);
    }
    const mb = Math.round((figures.maxRssKb / 1024) * 10) / 10;
    return [
      {
        name: `validate ${PROJECTS} projects: wall time (loader + checks, in the CLI)`,
        value: Math.round(figures.validateMs),
        unit: 'ms',
        target: '< 1000 ms',
        ok: figures.validateMs < 1000,
      },
      {
        name: `validate ${PROJECTS} projects: peak memory (RSS of the validating process)`,
        value: mb,
        unit: 'MB',
        target: '< 200 MB',
        ok: mb < 200,
      },
      {
        name: `validate ${PROJECTS} projects: CPU time of the validation (less sensitive to other load)`,
        value: Math.round(figures.validateCpuMs),
        unit: 'ms',
        // Informational: the targets are wall time and memory. CPU time includes
        // V8's parallel GC threads, so it can exceed the wall time on 2 cores.
        target: 'report',
        ok: true,
      },
    ];
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Hostile project files of nearly 64 KiB, each built to make the reader work as hard as it can. */
export function hostileFiles(): Record<string, string> {
  const fill = (head: string, unit: (i: number) => string, tail = ''): string => {
    let text = head;
    for (let i = 0; text.length + unit(i).length + tail.length < 65_000; i++) text += unit(i);
    return text + tail;
  };
  return {
    'block keys': fill('name: acme\n', (i) => `k${i}: 1\n`),
    'flow keys': fill('name: acme\nx: {', (i) => `k${i}: 1, `, '}\n'),
    'unknown keys under the limit': fill('name: acme\n', (i) =>
      i < 1000 ? `k${i}: ${'v'.repeat(40)}\n` : '#\n',
    ),
    'nested flow lists': fill('name: acme\nx: [', () => '[1, [2, [3]]], ', ']\n'),
    'deep brackets': `name: ${'['.repeat(30_000)}${']'.repeat(30_000)}\n`,
    anchors: fill('name: acme\n', (i) => `k${i}: &a${i} 1\n`),
    aliases: fill('name: acme\na: &a 1\n', (i) => `k${i}: *a\n`),
    'plain secrets': fill('name: acme\nfunctions:\n  secrets:\n', (i) => `    K${i}: plain\n`),
    'blank lines': `${'\n'.repeat(64_000)}name: acme\n`,
    'one long string': `name: acme\nx: "${'y'.repeat(64_000)}"\n`,
  };
}

/** The slowest of the hostile files, each validated on its own (the bound: 1 s). */
async function slowestHostileFile(): Promise<BenchResult> {
  const { loadFleetDir } = await import('../core/spec/load.ts');
  let slowest = { name: '', ms: 0 };
  for (const [name, text] of Object.entries(hostileFiles())) {
    const root = await mkdtemp(join(tmpdir(), 'sf-hostile-bench-'));
    try {
      await writeFleet(root, 0);
      await writeFile(join(root, 'projects', 'acme.yaml'), text);
      const started = performance.now();
      const result = await loadFleetDir(root);
      const ms = performance.now() - started;
      if (result.ok) throw new Error(`hostile file "${name}" was accepted`);
      if (ms > slowest.ms) slowest = { name, ms };
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
  return {
    name: 'slowest hostile 64 KiB project file to refuse',
    detail: slowest.name,
    value: Math.round(slowest.ms),
    unit: 'ms',
    target: '< 1000 ms',
    ok: slowest.ms < 1000,
  };
}

/** Writes fleet.yaml and `count` valid project files using most fields. */
export async function writeFleet(root: string, count: number): Promise<void> {
  await mkdir(join(root, 'projects'), { recursive: true });
  const sealed = (project: string, field: string): string =>
    `sealed:v1:${project}:${field}:${Buffer.alloc(120, project.length).toString('base64')}`;
  await writeFile(
    join(root, 'fleet.yaml'),
    `name: bench
domain: example.com
github: { repository: example-org/fleet, repository_id: 1, owner_id: 2 }
master:
  server: { type: cx32, location: fsn1 }
network: { cidr: 10.100.0.0/16 }
storage_box: { host: u1.your-storagebox.de, user: u1, id: 4711 }
seal: { public_key: "IPerVMSGUI9qd6uAm5clH5Vd/qn0u5XRvjHbJe+b0jM=" }
tls: { mode: on_demand, email: ops@example.com }
`,
  );
  const locations = ['fsn1', 'nbg1', 'hel1'];
  for (let i = 0; i < count; i++) {
    const name = `p${String(i).padStart(4, '0')}`;
    await writeFile(
      join(root, 'projects', `${name}.yaml`),
      `# yaml-language-server: $schema=../../schemas/project.schema.json
name: ${name}
subdomain: ${name}-api
server:
  type: cx22
  location: ${locations[i % locations.length]}
protect: ${i % 2 === 0}
auth:
  site_url: https://${name}.example.org
  redirect_urls:
    - https://${name}.example.org/auth/callback
    - https://*.${name}.example.org/**
    - http://localhost:3000/**
  signup: { enabled: true, email_autoconfirm: false }
  smtp:
    host: smtp.example.com
    port: 587
    user: apikey
    pass: ${sealed(name, 'auth.smtp.pass')}
    sender: no-reply@${name}.example.org
  external:
    google:
      client_id: ${i}-example.apps.googleusercontent.com
      secret: ${sealed(name, 'auth.external.google.secret')}
api:
  cors_origins: [https://${name}.example.org, https://app.${name}.example.org]
functions:
  verify_jwt: true
  secrets:
    STRIPE_KEY: ${sealed(name, 'functions.secrets.STRIPE_KEY')}
    OPENAI_API_KEY: ${sealed(name, 'functions.secrets.OPENAI_API_KEY')}
storage:
  file_size_limit_mb: 50
backup:
  schedule: "${i % 60} 3 * * *"
  keep: { daily: 7, weekly: 4, monthly: 6 }
`,
    );
  }
}

function runChild(root: string): Promise<ChildFigures> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', self, CHILD_FLAG, root], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`validate bench child exited with ${code}`));
      try {
        resolve(JSON.parse(out) as ChildFigures);
      } catch (error) {
        reject(new Error(`validate bench child printed no figures: ${out.slice(0, 200)}`, { cause: error }));
      }
    });
  });
}

/** The child: runs the CLI's validate in this process and prints its figures as JSON. */
async function child(root: string): Promise<void> {
  const { main } = await import('../cli/main.ts');
  let stdout = '';
  const io = {
    stdout: { write: (text: string) => void (stdout += text) },
    stderr: { write: () => undefined },
    readStdin: () => Promise.resolve(''),
    stdinIsTty: false,
    env: {},
    cwd: process.cwd(),
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const exitCode = await main(['validate', '--root', root, '--json'], io);
  const validateMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const body = JSON.parse(stdout) as { projects: number; errors: unknown[] };
  const figures: ChildFigures = {
    exitCode,
    projects: body.projects,
    errors: body.errors.length,
    validateMs,
    validateCpuMs: (used.user + used.system) / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  process.stdout.write(JSON.stringify(figures));
}

if (process.argv[2] === CHILD_FLAG && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await child(process.argv[3]!);
}
