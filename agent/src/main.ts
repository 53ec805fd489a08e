import { readFile } from 'node:fs/promises';
import { systemClock } from './clock.ts';
import { loadConfig } from './config.ts';
import { nodeHttpClient } from './http-client.ts';
import { COMPOSE_PROJECT, CURRENT_LINK } from './layout.ts';
import { createLogger } from './logger.ts';
import { run } from './run.ts';
import { ComposeRuntime } from './runtime/compose-runtime.ts';
import { execFileExec } from './runtime/exec.ts';
import { ProcessRuntime } from './runtime/process-runtime.ts';

/** supafleet-agent [--runtime compose|process] [config path; default $SUPAFLEET_AGENT_CONFIG, else /etc/supafleet/agent.json] */
const args = process.argv.slice(2);
const processRuntime = args.includes('--runtime') && args[args.indexOf('--runtime') + 1] === 'process';
const configPath =
  args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--runtime')[0] ??
  process.env['SUPAFLEET_AGENT_CONFIG'] ??
  '/etc/supafleet/agent.json';

/** No top-level await: the bundle is a CommonJS script (see agent/build.ts). */
async function main(): Promise<void> {
  try {
    const config = await loadConfig(configPath, (p) => readFile(p, 'utf8'));
    const logger = createLogger(config.project);
    const runtime = processRuntime
      ? new ProcessRuntime()
      : new ComposeRuntime({
          project: COMPOSE_PROJECT,
          dir: `${config.stateDir}/${CURRENT_LINK}`,
          exec: execFileExec,
        });
    const stop = new AbortController();
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => stop.abort());
    await run(
      { config, clock: systemClock, http: nodeHttpClient, runtime, exec: execFileExec, logger },
      stop.signal,
    );
  } catch (err) {
    console.error(`supafleet agent: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

void main();
