import { readFile } from 'node:fs/promises';
import type { Clock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { nodeHttpClient } from '../src/http-client.ts';
import { createLogger } from '../src/logger.ts';
import { start } from '../src/run.ts';
import { execFileExec } from '../src/runtime/exec.ts';
import { ProcessRuntime } from '../src/runtime/process-runtime.ts';

/**
 * Benchmark entry (bundled like the real agent, run in its own process):
 * `node bench-agent.cjs <config> <cycles>` runs the real agent with the
 * process runtime and a compressed clock (each 30 s wait passes at once, in
 * virtual time), then prints one JSON line with memory and CPU figures.
 * No top-level await: like the agent, it is bundled as a CommonJS script.
 */
const [configPath, cyclesArg] = process.argv.slice(2);
const cycles = Number(cyclesArg ?? 1200);
const warm = Math.floor(cycles / 4);
/** Present when run with --expose-gc: used only to measure live heap for the leak check. */
const gc = (globalThis as { gc?: () => void }).gc;
let virtual = Date.now();
let sleeps = 0;
let warmCpu: NodeJS.CpuUsage | undefined;
let warmRss = 0;
let warmHeap = 0;
const clock: Clock = {
  now: () => virtual,
  sleep: (ms) =>
    new Promise((resolve) => {
      virtual += ms;
      if (++sleeps === warm) {
        warmRss = process.memoryUsage().rss;
        gc?.();
        warmHeap = process.memoryUsage().heapUsed;
        warmCpu = process.cpuUsage();
      }
      setImmediate(resolve);
    }),
};

async function main(): Promise<void> {
  const config = await loadConfig(configPath!, (p) => readFile(p, 'utf8'));
  const runtime = new ProcessRuntime();
  const handle = await start({
    config,
    clock,
    http: nodeHttpClient,
    runtime,
    exec: execFileExec,
    logger: createLogger(config.project, { write: () => {} }),
    handshakeAge: async () => 3,
    maxCycles: cycles,
    scheduleBackups: false,
  });
  await handle.loop;
  const cpu = process.cpuUsage(warmCpu);
  const rss = process.memoryUsage().rss;
  // Resident memory as the kernel counts it, read before the forced collection below.
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  gc?.();
  const liveHeap = process.memoryUsage().heapUsed;
  const kb = (field: string): number =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  const measured = cycles - warm;
  console.log(
    JSON.stringify({
      cycles,
      virtual_minutes: Math.round((virtual - Date.now()) / 60_000),
      rss_bytes: rss,
      vm_rss_bytes: kb('VmRSS'),
      rss_anon_bytes: kb('RssAnon'),
      rss_file_bytes: kb('RssFile'),
      rss_growth_bytes: rss - warmRss,
      cpu_us_per_cycle: (cpu.user + cpu.system) / measured,
      live_heap_bytes: liveHeap,
      live_heap_growth_bytes: liveHeap - warmHeap,
    }),
  );
  await handle.stop();
  process.exit(0);
}

void main();
