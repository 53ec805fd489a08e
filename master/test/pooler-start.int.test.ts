/**
 * The pooler tenant reconcile as `startMaster` runs it (SUPAFLEET_SUPAVISOR_URL set): once at
 * start, then every SUPAFLEET_POOLER_RECONCILE_INTERVAL_S seconds until `close()`, against the
 * Supavisor fake (fakes/supavisor, Supavisor v2.7.4).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSealKeypair, Secret } from '../../core/seal/index.ts';
import { generateProjectSecrets } from '../../core/secrets/generate.ts';
import type { ProjectSecrets } from '../../core/secrets/types.ts';
import type { ProjectSpec } from '../../core/spec/types.ts';
import { startFakeSupavisor, type FakeSupavisor } from '../../fakes/supavisor/server.ts';
import { FakePeerManager } from '../../fakes/wireguard/peer-manager.ts';
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
import { createSecretBox } from '../src/registry/secret-box.ts';
import { startMaster } from '../src/server.ts';
import { LogCapture, spec } from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping the master start-up pooler reconcile test: ${skip}`);

const SECRETS_KEY = Buffer.alloc(32, 5).toString('base64');
const API_SECRET = 'start-up-test-supavisor-api-jwt-secret00';
const WG_IP = '127.104.0.2';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip !== undefined)('master start-up and periodic pooler tenant reconcile', () => {
  let pg: TestPostgres;
  let url: string;
  let sv: FakeSupavisor;
  let secrets: ProjectSecrets;
  const dir = mkdtempSync(join(tmpdir(), 'supafleet-pooler-start-'));

  beforeAll(async () => {
    pg = await startPostgres();
    url = await pg.createDatabase('pooler_start');
    secrets = await generateProjectSecrets();
    const sealed = await createSecretBox(new Secret(SECRETS_KEY)).seal(secrets);
    const registry = new Registry(createPool(url, 1));
    try {
      await migrate(registry.pool);
      await registry.tx(async (q) => {
        await q.insertProject({
          name: 'acme',
          subdomain: 'acme',
          spec: spec('acme') as unknown as ProjectSpec,
          wgIp: WG_IP,
          agentTokenHash: createHash('sha256').update('unused').digest(),
        });
        await q.insertSecrets('acme', sealed.nonce, sealed.ciphertext);
        const key = Buffer.alloc(32, 9).toString('base64');
        await q.upsertPeer({ project: 'acme', publicKey: key, sealPublicKey: key, wgIp: WG_IP });
      });
    } finally {
      await registry.close();
    }
    sv = await startFakeSupavisor({ apiJwtSecret: API_SECRET });
    sv.addDatabase({
      host: WG_IP,
      port: 5432,
      database: 'postgres',
      version: 'PostgreSQL 15.8',
      roles: { pgbouncer: secrets.role_passwords.pgbouncer },
    });
  });
  afterAll(async () => {
    await sv?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the master starts with an enrolled project and no tenant, then the tenant is made, put back after Supavisor loses it, and left alone once closed', async () => {
    const keys = await generateSealKeypair();
    const fleet = join(dir, 'fleet.yaml');
    writeFileSync(
      fleet,
      `name: prod\ndomain: example.com\ngithub: { repository_id: 1, owner_id: 2 }\nmaster: { server: { type: cx32, location: fsn1 } }\nnetwork: { cidr: 127.104.0.0/24 }\nstorage_box: { host: u1.your-storagebox.de, user: u1, id: 4711 }\nseal: { public_key: "${keys.publicKey}" }\n`,
    );
    const config = await loadConfig({
      DATABASE_URL: url,
      SUPAFLEET_FLEET_FILE: fleet,
      SUPAFLEET_LISTEN: `127.0.0.1:${await freePort()}`,
      SUPAFLEET_AGENT_LISTEN: `127.0.0.1:${await freePort()}`,
      SUPAFLEET_SECRETS_KEY: SECRETS_KEY,
      SUPAFLEET_SEAL_PRIVATE_KEY: keys.privateKey.reveal(),
      KONG_ADMIN_URL: 'http://127.0.0.1:9',
      SUPAFLEET_WG_INTERFACE: '',
      SUPAFLEET_SUPAVISOR_URL: sv.url,
      SUPAFLEET_SUPAVISOR_JWT_SECRET: API_SECRET,
      SUPAFLEET_POOLER_RECONCILE_INTERVAL_S: '1',
    });
    const logs = new LogCapture();
    const master = await startMaster(config, createLogger('info', logs), { peers: new FakePeerManager() });
    const poll = async (done: () => boolean) => {
      for (let i = 0; i < 100 && !done(); i++) await sleep(100);
      return done();
    };
    let closed = false;
    try {
      expect(await poll(() => sv.tenants.has('acme'))).toBe(true);
      expect(sv.tenants.get('acme')).toMatchObject({
        db_host: WG_IP,
        users: [{ db_user: 'pgbouncer', db_password: secrets.role_passwords.pgbouncer }],
      });
      sv.tenants.delete('acme');
      expect(await poll(() => sv.tenants.has('acme'))).toBe(true);
      expect(sv.terminated).toEqual([]);
      await master.close();
      closed = true;
      sv.tenants.delete('acme');
      await sleep(2500);
      expect(sv.tenants.has('acme')).toBe(false);
      expect(logs.text()).not.toContain(secrets.role_passwords.pgbouncer);
      expect(logs.text()).not.toContain(API_SECRET);
    } finally {
      if (!closed) await master.close();
    }
  }, 30_000);
});
