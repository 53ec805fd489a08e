import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSealKeypair } from '../../core/seal/index.ts';
import { AGENT_ENV, AGENT_NODE_FLAGS, buildAgent } from '../build.ts';
import { freePort, stackFiles } from './harness.ts';
import { MasterStandin, waitFor } from './master-standin.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sf-packaged-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('the packaged agent (esbuild bundle, run like the image runs it)', () => {
  it('when started with the process runtime, then it converges, logs no secret, and stops its services on SIGTERM', async () => {
    const bundle = join(dir, 'agent.cjs');
    expect(await buildAgent(bundle)).toBeGreaterThan(10_000);
    const keys = await generateSealKeypair();
    const token = `sfa_${randomBytes(24).toString('hex')}`;
    const commandKey = randomBytes(32).toString('base64url');
    const env = { POSTGRES_PASSWORD: randomBytes(16).toString('hex') };
    const master = new MasterStandin('acme', token, keys.publicKey);
    await master.start();
    const services = { rest: { port: await freePort() } };
    await master.publish(1, stackFiles(services, env));
    await writeFile(join(dir, 'seal.key'), keys.privateKey.reveal(), { mode: 0o600 });
    const config = {
      project: 'acme',
      master_url: master.url,
      token,
      listen: '127.0.0.1:0',
      seal_private_key_file: join(dir, 'seal.key'),
      state_dir: join(dir, 'state'),
      command_key: commandKey,
    };
    await writeFile(join(dir, 'agent.json'), JSON.stringify(config), { mode: 0o600 });

    const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, bundle, '--runtime', 'process'], {
      env: { PATH: process.env['PATH'], ...AGENT_ENV, SUPAFLEET_AGENT_CONFIG: join(dir, 'agent.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor('an applied heartbeat from the packaged agent', () =>
        master.heartbeats.find(
          (h) => h.apply.state === 'applied' && h.services.every((s) => s.state === 'healthy'),
        ),
      );
      expect(await listening(services.rest.port)).toBe(true);
    } finally {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      expect(await exited).toBe(0);
      clearTimeout(timer);
      await master.stop();
    }
    expect(await listening(services.rest.port)).toBe(false);
    expect(out).toContain('"msg":"agent stopped"');
    for (const s of [token, commandKey, keys.privateKey.reveal(), env.POSTGRES_PASSWORD])
      expect(out).not.toContain(s);
    expect(master.violations).toEqual([]);
  });
});
