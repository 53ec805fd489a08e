import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSealKeypair } from '../../core/seal/index.ts';
import { freePort } from './postgres.ts';

/**
 * `supafleet master serve` as a real process for tests: a throwaway fleet.yaml in `dir`, the
 * public listener on a free loopback port and the agent listener on `agentHost` (a loopback
 * address standing in for the master's wg address), a fresh seal key, no Kong and no WireGuard.
 * Resolves once the master says it listens (bounded: 30 s), else throws with what it printed.
 */
export interface ServedMaster {
  readonly apiUrl: string;
  readonly agentUrl: string;
  /** The seal private key the master was given: no output may contain it. */
  readonly sealPrivateKey: string;
  /** What the master printed so far. */
  logs(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function serveMaster(o: {
  /** The command line after `node`, e.g. `['cli/bin/supafleet.js', 'master', 'serve']`. */
  readonly argv: readonly string[];
  readonly databaseUrl: string;
  /** Where fleet.yaml is written. */
  readonly dir: string;
  /** A loopback address such as 127.103.0.1; the fleet's network is its /24. */
  readonly agentHost: string;
  readonly cwd?: string;
}): Promise<ServedMaster> {
  const keys = await generateSealKeypair();
  const cidr = `${o.agentHost.split('.').slice(0, 3).join('.')}.0/24`;
  const fleet = join(o.dir, 'fleet.yaml');
  writeFileSync(
    fleet,
    `name: prod\ndomain: example.com\ngithub: { repository_id: 1, owner_id: 2 }\nmaster: { server: { type: cx32, location: fsn1 } }\nnetwork: { cidr: ${cidr} }\nstorage_box: { host: u1.your-storagebox.de, user: u1, id: 4711 }\nseal: { public_key: "${keys.publicKey}" }\n`,
  );
  const [api, agent] = [await freePort(), await freePort(o.agentHost)];
  const child = spawn(process.execPath, [...o.argv], {
    ...(o.cwd ? { cwd: o.cwd } : {}),
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: o.databaseUrl,
      SUPAFLEET_FLEET_FILE: fleet,
      SUPAFLEET_LISTEN: `127.0.0.1:${api}`,
      SUPAFLEET_AGENT_LISTEN: `${o.agentHost}:${agent}`,
      SUPAFLEET_SECRETS_KEY: Buffer.alloc(32, 3).toString('base64'),
      SUPAFLEET_SEAL_PRIVATE_KEY: keys.privateKey.reveal(),
      KONG_ADMIN_URL: 'http://127.0.0.1:9',
      SUPAFLEET_WG_INTERFACE: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout.on('data', (c: Buffer) => (logs += c.toString()));
  child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  for (let i = 0; i < 300 && !logs.includes('master listening'); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!logs.includes('master listening')) {
    await stop();
    throw new Error(`master serve did not say it listens; it printed:\n${logs.slice(-2000)}`);
  }
  return {
    apiUrl: `http://127.0.0.1:${api}`,
    agentUrl: `http://${o.agentHost}:${agent}`,
    sealPrivateKey: keys.privateKey.reveal(),
    logs: () => logs,
    stop,
  };
}
