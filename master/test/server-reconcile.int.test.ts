import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSealKeypair } from '../../core/seal/index.ts';
import type { ProjectSpec } from '../../core/spec/types.ts';
import {
  freePort,
  postgresSkipReason,
  startPostgres,
  type TestPostgres,
} from '../../test/support/postgres.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { migrate } from '../src/registry/migrate.ts';
import { createPool, Registry } from '../src/registry/registry.ts';
import { startMaster } from '../src/server.ts';
import { FakePeerManager } from '../../fakes/wireguard/peer-manager.ts';
import { LogCapture, spec } from './harness.ts';

/**
 * The peer reconciler as `startMaster` runs it: once at start, then on the timer set by
 * SUPAFLEET_WG_RECONCILE_INTERVAL_S, until `close()`. The peers are the in-memory fake (a
 * managed interface, unlike the disabled manager of SUPAFLEET_WG_INTERFACE=).
 */

const skip = postgresSkipReason();
if (skip) console.log(`skipping the master start-up reconcile tests: ${skip}`);

const KEY = Buffer.alloc(32, 21).toString('base64');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip !== undefined)('master start-up and periodic peer reconcile', () => {
  let pg: TestPostgres;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'supafleet-reconcile-'));

  beforeAll(async () => {
    pg = await startPostgres();
    url = await pg.createDatabase('reconcile');
    const registry = new Registry(createPool(url, 1));
    try {
      await migrate(registry.pool);
      await registry.tx(async (q) => {
        await q.insertProject({
          name: 'acme',
          subdomain: 'acme',
          spec: spec('acme') as unknown as ProjectSpec,
          wgIp: '127.103.0.2',
          agentTokenHash: createHash('sha256').update('unused').digest(),
        });
        await q.upsertPeer({ project: 'acme', publicKey: KEY, sealPublicKey: KEY, wgIp: '127.103.0.2' });
      });
    } finally {
      await registry.close();
    }
  });
  afterAll(async () => {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the master starts with an enrolled peer missing, then it is back before start returns, after each drift, and no longer once closed', async () => {
    const keys = await generateSealKeypair();
    const fleet = join(dir, 'fleet.yaml');
    writeFileSync(
      fleet,
      `name: prod\ndomain: example.com\ngithub: { repository_id: 1, owner_id: 2 }\nmaster: { server: { type: cx32, location: fsn1 } }\nnetwork: { cidr: 127.103.0.0/24 }\nstorage_box: { host: u1.your-storagebox.de, user: u1, id: 4711 }\nseal: { public_key: "${keys.publicKey}" }\n`,
    );
    const config = await loadConfig({
      DATABASE_URL: url,
      SUPAFLEET_FLEET_FILE: fleet,
      SUPAFLEET_LISTEN: `127.0.0.1:${await freePort()}`,
      SUPAFLEET_AGENT_LISTEN: `127.0.0.1:${await freePort()}`,
      SUPAFLEET_SECRETS_KEY: Buffer.alloc(32, 3).toString('base64'),
      SUPAFLEET_SEAL_PRIVATE_KEY: keys.privateKey.reveal(),
      KONG_ADMIN_URL: 'http://127.0.0.1:9',
      SUPAFLEET_WG_INTERFACE: '',
      SUPAFLEET_WG_RECONCILE_INTERVAL_S: '1',
    });
    const peers = new FakePeerManager();
    const logs = new LogCapture();
    const master = await startMaster(config, createLogger('info', logs), { peers });
    let closed = false;
    try {
      // the start-up run
      expect(await peers.list()).toEqual([
        { publicKey: KEY, allowedIps: ['127.103.0.2/32'], endpoint: null, latestHandshake: null },
      ]);
      expect(logs.text()).toMatch(/"wg_reconcile_s":1/);
      // the timer: up to 10 s of polling for a run 1 s away
      await peers.remove(KEY);
      let back = false;
      for (let i = 0; i < 100 && !back; i++) {
        await sleep(100);
        back = (await peers.list()).length === 1;
      }
      expect(back).toBe(true);
      await master.close();
      closed = true;
      await peers.remove(KEY);
      await sleep(2500);
      expect(await peers.list()).toEqual([]);
      expect(logs.text().match(/WireGuard peer was missing on the master; restored/g)).toHaveLength(2);
    } finally {
      if (!closed) await master.close();
    }
  }, 30_000);
});
