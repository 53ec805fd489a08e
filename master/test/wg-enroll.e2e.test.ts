import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSealKeypair } from '../../core/seal/index.ts';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { absentTools, describeTools } from '../../test/support/tools.ts';
import { createApp } from '../src/app.ts';
import { createWgPeerManager, type WgPeerManager } from '../src/wireguard/peers.ts';
import { spec, startLab, type Lab, type LabDeps } from './harness.ts';

/**
 * The whole enrollment path with real WireGuard: the API adds the peer through the
 * real peer manager to a wireguard-go interface in a "master" namespace; a "worker"
 * namespace configures itself from the enrollment answer and reaches the master over
 * wg; deleting the project through the API cuts it off.
 */

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  const absent = absentTools(['wireguard-go', 'wg', 'ip', 'ping']);
  if (absent.length > 0) return `needs ${describeTools(absent)}`;
  return postgresSkipReason();
}
const skip = process.env.CI === 'true' ? undefined : missing();
if (skip) console.log(`skipping WireGuard enrollment e2e test: ${skip}`);

function sh(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
function must(cmd: string, args: string[]): string {
  const r = sh(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.out.trim()}`);
  return r.out;
}
function x25519(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const b64 = (s: string) => Buffer.from(s, 'base64url').toString('base64');
  return {
    privateKey: b64(privateKey.export({ format: 'jwk' }).d!),
    publicKey: b64(publicKey.export({ format: 'jwk' }).x!),
  };
}

describe.skipIf(skip !== undefined)(
  'enrollment over real WireGuard (wireguard-go in network namespaces)',
  () => {
    const id = randomBytes(3).toString('hex');
    const nsM = `sfem${id}`;
    const nsW = `sfew${id}`;
    const ifM = `sfem${id}`;
    const ifW = `sfew${id}`;
    const dir = mkdtempSync(join(tmpdir(), 'supafleet-wg-e2e-'));
    const children: ChildProcess[] = [];
    const masterKeys = x25519();
    const workerKeys = x25519();
    let lab: Lab;
    let l: LabDeps;
    let manager: WgPeerManager;
    let app: ReturnType<typeof createApp>;
    let write: string;

    async function startWireguardGo(ns: string, iface: string): Promise<void> {
      const log = openSync(join(dir, `${iface}.log`), 'a');
      const child = spawn('ip', ['netns', 'exec', ns, 'wireguard-go', '-f', iface], {
        stdio: ['ignore', log, log],
      });
      children.push(child);
      for (let i = 0; i < 50; i++) {
        if (existsSync(`/var/run/wireguard/${iface}.sock`)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`wireguard-go did not create ${iface}`);
    }

    beforeAll(async () => {
      for (const ns of [nsM, nsW]) {
        must('ip', ['netns', 'add', ns]);
        must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      }
      must('ip', [
        'link',
        'add',
        `vm${id}`,
        'netns',
        nsM,
        'type',
        'veth',
        'peer',
        'name',
        `vw${id}`,
        'netns',
        nsW,
      ]);
      must('ip', ['-n', nsM, 'addr', 'add', '192.168.233.1/30', 'dev', `vm${id}`]);
      must('ip', ['-n', nsW, 'addr', 'add', '192.168.233.2/30', 'dev', `vw${id}`]);
      must('ip', ['-n', nsM, 'link', 'set', `vm${id}`, 'up']);
      must('ip', ['-n', nsW, 'link', 'set', `vw${id}`, 'up']);

      await startWireguardGo(nsM, ifM);
      const configPath = join(dir, `${ifM}.conf`);
      writeFileSync(configPath, `[Interface]\nPrivateKey = ${masterKeys.privateKey}\nListenPort = 51820\n`, {
        mode: 0o600,
      });
      manager = createWgPeerManager({ iface: ifM, configPath, netns: nsM });
      await manager.start();
      must('ip', ['-n', nsM, 'addr', 'add', '10.77.0.1/24', 'dev', ifM]);
      must('ip', ['-n', nsM, 'link', 'set', ifM, 'up']);

      lab = await startLab();
      l = await lab.newDeps({ cidr: '10.77.0.0/24', settings: { wgEndpoint: '192.168.233.1:51820' } });
      app = createApp({ ...l.deps, peers: manager }, 'public');
      write = await l.token('write');
    });

    afterAll(async () => {
      for (const c of children) c.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      for (const ns of [nsM, nsW]) sh('ip', ['netns', 'del', ns]);
      for (const i of [ifM, ifW]) rmSync(`/var/run/wireguard/${i}.sock`, { force: true });
      rmSync(dir, { recursive: true, force: true });
      await l?.close();
      await lab?.close();
    });

    it('when a worker enrolls through the API, then it reaches the master over wg until the project is deleted', async () => {
      const put = await request(app)
        .put('/v1/projects/acme?enrollment_token=true')
        .set('Authorization', `Bearer ${write}`)
        .send(spec('acme'));
      expect(put.status).toBe(201);
      const seal = await generateSealKeypair();
      const e = await request(app).post('/v1/enroll').send({
        token: put.body.enrollment.token,
        wg_public_key: workerKeys.publicKey,
        seal_public_key: seal.publicKey,
      });
      expect(e.status).toBe(200);
      expect(e.body.wg).toMatchObject({
        address: '10.77.0.2/24',
        master_public_key: masterKeys.publicKey,
        master_endpoint: '192.168.233.1:51820',
      });
      expect((await manager.list()).map((p) => p.publicKey)).toEqual([workerKeys.publicKey]);

      // the worker configures itself from the answer, as its bootstrap does
      await startWireguardGo(nsW, ifW);
      const keyFile = join(dir, 'worker.key');
      writeFileSync(keyFile, workerKeys.privateKey, { mode: 0o600 });
      must('ip', [
        'netns',
        'exec',
        nsW,
        'wg',
        'set',
        ifW,
        'private-key',
        keyFile,
        'peer',
        e.body.wg.master_public_key,
        'allowed-ips',
        e.body.wg.allowed_ips,
        'endpoint',
        e.body.wg.master_endpoint,
        'persistent-keepalive',
        '1',
      ]);
      must('ip', ['-n', nsW, 'addr', 'add', e.body.wg.address, 'dev', ifW]);
      must('ip', ['-n', nsW, 'link', 'set', ifW, 'up']);

      expect(
        sh('ip', ['netns', 'exec', nsW, 'ping', '-c', '3', '-i', '0.2', '-W', '2', '10.77.0.1']).status,
      ).toBe(0);
      const peer = (await manager.list())[0]!;
      expect(peer.latestHandshake).not.toBeNull();
      const view = await request(app).get('/v1/projects/acme').set('Authorization', `Bearer ${write}`);
      expect(view.body.health.wg_handshake_age_s).not.toBeNull();

      const d = await request(app).delete('/v1/projects/acme').set('Authorization', `Bearer ${write}`);
      expect(d.status).toBe(200);
      expect(await manager.list()).toEqual([]);
      expect(
        sh('ip', ['netns', 'exec', nsW, 'ping', '-c', '2', '-i', '0.2', '-W', '1', '10.77.0.1']).status,
      ).not.toBe(0);
    });
  },
);
