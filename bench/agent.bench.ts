import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSealKeypair } from '../core/seal/index.ts';
import { AGENT_ENV, AGENT_NODE_FLAGS, buildAgent } from '../agent/build.ts';
import { freePort, stackFiles } from '../agent/test/harness.ts';
import { MasterStandin } from '../agent/test/master-standin.ts';
import type { BenchResult } from './types.ts';

const CYCLES = 1_200; // 10 h of heartbeats at 30 s, in virtual time (the brief asks for at least 10 minutes)
const TIMEOUT_MS = 180_000;
/** What the agent may add above a bare Node process (the node binary's own pages are not the agent's). */
const OWN_RSS_TARGET_MB = 12;
/** The agent's private memory: heaps, stacks, malloc arenas. */
const ANON_TARGET_MB = 14;

/**
 * The agent's idle footprint: the bundled agent (as shipped) runs in its own
 * process against a master stand-in on loopback with two stand-in services,
 * for 1,200 heartbeat cycles at a 30 s interval in compressed virtual time.
 * The child runs with the Node flags and environment of the agent's image
 * (plus --expose-gc, used only to measure the live heap for the leak check).
 *
 * Resident memory is read from /proc/<pid>/status: VmRSS, its private,
 * anonymous part (RssAnon: heaps, stacks) and its file-backed part (RssFile:
 * the pages of the node binary and libraries the process has touched, shared
 * with every other process running them). A Node process that does nothing
 * is measured the same way (same flags, environment and kind of script), so
 * the agent's own memory is reported as what it adds above that floor: on
 * this machine a bare Node 20 already holds about 38 MB, of which 32 MB are
 * the node binary's pages, which leaves nothing of a 40 MB budget for a program.
 */
export async function run(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-agent-bench-'));
  const master = await startMaster(dir);
  try {
    const entry = fileURLToPath(new URL('../agent/test/bench-entry.ts', import.meta.url));
    const bundle = join(dir, 'bench-agent.cjs');
    await buildAgent(bundle, entry);
    const figures = await runChild(bundle, join(dir, 'agent.json'));
    const bare = await measureScript(dir, 'bare.cjs', BARE_SCRIPT);
    const floor = await measureScript(dir, 'floor.cjs', FLOOR_SCRIPT);
    const mb = (b: number): number => Math.round((b / 1024 / 1024) * 10) / 10;
    return [
      {
        name: `agent idle RSS after ${figures.cycles} heartbeats (30 s interval, virtual time)`,
        value: mb(figures.vm_rss_bytes),
        unit: 'MB',
        target: '< 40 MB',
        ok: figures.vm_rss_bytes < 40 * 1024 * 1024,
      },
      {
        name: 'bare Node process RSS on this machine, same flags (reference)',
        value: mb(bare.vm_rss_bytes),
        unit: 'MB',
        target: 'reference',
        ok: true,
      },
      {
        name: 'bare Node process file-backed RSS (node binary pages; reference)',
        value: mb(bare.rss_file_bytes),
        unit: 'MB',
        target: 'reference',
        ok: true,
      },
      {
        name: `minimal Node heartbeat loop RSS (node:http server and client, no libraries, ${CYCLES} cycles; reference)`,
        value: mb(floor.vm_rss_bytes),
        unit: 'MB',
        target: 'reference',
        ok: true,
      },
      {
        name: 'agent RSS above a bare Node process (VmRSS minus bare VmRSS)',
        value: mb(figures.vm_rss_bytes - bare.vm_rss_bytes),
        unit: 'MB',
        target: `< ${OWN_RSS_TARGET_MB} MB`,
        ok: figures.vm_rss_bytes - bare.vm_rss_bytes < OWN_RSS_TARGET_MB * 1024 * 1024,
      },
      {
        name: 'agent private (anonymous) RSS at the end',
        value: mb(figures.rss_anon_bytes),
        unit: 'MB',
        target: `< ${ANON_TARGET_MB} MB`,
        ok: figures.rss_anon_bytes < ANON_TARGET_MB * 1024 * 1024,
      },
      {
        name: 'agent private (anonymous) RSS above a bare Node process',
        value: mb(figures.rss_anon_bytes - bare.rss_anon_bytes),
        unit: 'MB',
        target: 'informational',
        ok: true,
      },
      {
        name: 'agent file-backed RSS at the end (node binary pages touched)',
        value: mb(figures.rss_file_bytes),
        unit: 'MB',
        target: 'informational',
        ok: true,
      },
      {
        name: 'agent RSS growth over the last 3/4 of the cycles',
        value: mb(figures.rss_growth_bytes),
        unit: 'MB',
        target: 'informational',
        ok: true,
      },
      {
        name: 'agent live heap growth over the last 3/4 of the cycles (after GC)',
        value: Math.round(figures.live_heap_growth_bytes / 1024),
        unit: 'KB',
        target: '< 1024 KB (no leak)',
        ok: figures.live_heap_growth_bytes < 1024 * 1024,
      },
      {
        name: 'agent CPU per heartbeat cycle',
        value: Math.round(figures.cpu_us_per_cycle / 10) / 100,
        unit: 'ms',
        target: '< 20 ms',
        ok: figures.cpu_us_per_cycle < 20_000,
      },
    ];
  } finally {
    await master.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Memory {
  vm_rss_bytes: number;
  rss_anon_bytes: number;
  rss_file_bytes: number;
}

interface Figures extends Memory {
  cycles: number;
  rss_growth_bytes: number;
  live_heap_growth_bytes: number;
  cpu_us_per_cycle: number;
}

async function startMaster(dir: string): Promise<MasterStandin> {
  const keys = await generateSealKeypair();
  const token = `sfa_${randomBytes(24).toString('hex')}`;
  const master = new MasterStandin('bench', token, keys.publicKey);
  await master.start();
  const env = {
    POSTGRES_PASSWORD: randomBytes(16).toString('hex'),
    ANON_KEY: randomBytes(24).toString('hex'),
  };
  await master.publish(
    1,
    stackFiles({ rest: { port: await freePort() }, auth: { port: await freePort() } }, env),
  );
  await writeFile(join(dir, 'seal.key'), keys.privateKey.reveal(), { mode: 0o600 });
  await writeFile(
    join(dir, 'agent.json'),
    JSON.stringify({
      project: 'bench',
      master_url: master.url,
      token,
      listen: '127.0.0.1:0',
      seal_private_key_file: join(dir, 'seal.key'),
      state_dir: join(dir, 'state'),
      command_key: randomBytes(32).toString('base64url'),
    }),
    { mode: 0o600 },
  );
  return master;
}

function runChild(bundle: string, config: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...AGENT_NODE_FLAGS, '--expose-gc', bundle, config, String(CYCLES)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...AGENT_ENV },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line)
        return reject(new Error(`bench agent exited with ${code}: ${err.slice(-500)}`));
      resolve(JSON.parse(line) as Figures);
    });
  });
}

const REPORT = `const s = require('node:fs').readFileSync('/proc/self/status', 'utf8');
  const kb = (f) => Number(new RegExp(f + ':\\\\s+(\\\\d+)').exec(s)[1]) * 1024;
  console.log(JSON.stringify({ vm_rss_bytes: kb('VmRSS'), rss_anon_bytes: kb('RssAnon'), rss_file_bytes: kb('RssFile') }));`;

/** A Node process that does nothing: the floor any Node agent stands on. */
const BARE_SCRIPT = `setTimeout(() => {
  ${REPORT}
}, 500);
`;

/**
 * The least a Node heartbeat loop can be: a loopback node:http server, and per
 * cycle two GET probes, a statfs, /proc/meminfo and a JSON POST through
 * node:http, with no library at all. What the agent adds above this is what
 * its libraries and features cost.
 */
const FLOOR_SCRIPT = `const http = require('node:http');
const fs = require('node:fs/promises');
const os = require('node:os');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end(JSON.stringify({ desired_revision: 1 })));
});
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const call = (method, path, body) => new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    });
    r.on('error', reject);
    r.end(body);
  });
  for (let i = 0; i < ${CYCLES}; i++) {
    const [a, b, disk, mem] = await Promise.all([call('GET', '/health'), call('GET', '/'), fs.statfs('/tmp'), fs.readFile('/proc/meminfo', 'utf8')]);
    JSON.parse(await call('POST', '/v1/agent/heartbeat', JSON.stringify({ sent_at: new Date().toISOString(), a, b, disk: disk.bavail, mem: mem.length, load: os.loadavg() })));
  }
  ${REPORT}
  server.close();
});
`;

/**
 * Runs a CommonJS script the way the agent runs (its flags and environment)
 * and reads the /proc/self/status figures it prints.
 */
async function measureScript(dir: string, name: string, source: string): Promise<Memory> {
  const script = join(dir, name);
  await writeFile(script, source);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...AGENT_ENV },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', () => {
      clearTimeout(timer);
      try {
        const m = JSON.parse(out) as Memory;
        if (m.vm_rss_bytes > 0) return resolve(m);
      } catch {
        // reported below
      }
      reject(new Error(`could not measure ${name}: ${JSON.stringify((out + err).slice(0, 300))}`));
    });
  });
}
