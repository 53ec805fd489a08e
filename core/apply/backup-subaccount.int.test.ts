/**
 * Scenarios: apply gives each project its own Storage Box sub-account (issue 13, M4),
 * against the fake Hetzner APIs (Cloud and Storage Box) with the real clients.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeUserData } from '../../cloud-init/test/decode.ts';
import { startFakeHetzner, type FakeHetzner } from '../../fakes/hetzner/index.ts';
import { HetznerClient } from '../hetzner/client.ts';
import { StorageBoxClient } from '../hetzner/storage-box.ts';
import type { PlanStep } from '../plan/types.ts';
import type { FleetSpec } from '../spec/types.ts';
import { memoryLogger } from './ports.ts';
import { provisionProject, type ApplyDeps } from './provision.ts';
import { deleteOrphan, teardownProject } from './teardown.ts';
import { fakeMaster, virtualClock } from './test/fakes.ts';

const TOKEN = 'c'.repeat(64);
const BOX = 4711;
const fleet: FleetSpec = {
  name: 'prod',
  domain: 'example.com',
  github: { repository: 'acme-corp/fleet', repository_id: 1, owner_id: 2 },
  master: { server: { type: 'cx32', location: 'fsn1' } },
  storage_box: { host: 'u123456.your-storagebox.de', user: 'u123456', id: BOX },
  seal: { public_key: Buffer.alloc(32, 1).toString('base64') },
};
const MASTER_KEY = Buffer.alloc(32, 9).toString('base64');

let fake: FakeHetzner | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(health: 'healthy' | 'never-healthy' = 'healthy') {
  fake = await startFakeHetzner({
    token: TOKEN,
    actionDurationMs: 0,
    storageBoxes: [{ id: BOX, username: 'u123456' }],
  });
  const clock = virtualClock();
  const log = memoryLogger();
  const m = fakeMaster(health === 'healthy' ? { healthyAfterPolls: 0 } : {});
  const client = { token: TOKEN, now: () => clock.now(), sleep: (ms: number) => clock.sleep(ms) };
  const deps: ApplyDeps = {
    master: m.master,
    hetzner: new HetznerClient({ ...client, endpoint: fake.url }),
    storageBox: new StorageBoxClient({ ...client, endpoint: fake.hetznerUrl }),
    clock,
    log,
  };
  return { fake, deps, log, m };
}

const step = (project: string, server?: { id: number; name: string }): PlanStep => ({
  kind: 'create',
  project,
  ...(server ? { server } : {}),
  changes: [],
  destructive: false,
  notes: [],
  cost: { before: 0, after: 4 },
});

function provision(deps: ApplyDeps, project: string, waitMs = 60_000, server?: { id: number; name: string }) {
  return provisionProject(deps, {
    fleet,
    spec: { name: project, server: { type: 'cx22', location: 'fsn1' } },
    step: step(project, server),
    masterWgPublicKey: MASTER_KEY,
    waitMs,
    pollMs: 10_000,
  });
}

/** The backup account file first boot reads, from the project's server's user_data. */
function backupAccount(f: FakeHetzner, project: string): { target: string; password: string } {
  const server = f.state().servers.find((s) => s.labels['supafleet/project'] === project);
  const file = decodeUserData(server!.user_data!).files.find(
    (x) => x.path === '/etc/supafleet/backup-account.json',
  );
  return JSON.parse(file!.content) as { target: string; password: string };
}

const RESET = 'POST /storage_boxes/{id}/subaccounts/{id}/actions/reset_subaccount_password';
const resets = (f: FakeHetzner) => f.calls().filter((c) => c.kind === RESET).length;

const subaccountsOf = (f: FakeHetzner) =>
  f.state().subaccounts.map((s) => [(s.labels as Record<string, string>)['supafleet/project'], s.username]);

describe('a Storage Box sub-account per project', () => {
  it("when two projects are provisioned, then each gets one sub-account and its worker's user_data names its own", async () => {
    const { fake, deps, log } = await setup();
    expect((await provision(deps, 'acme')).outcome).toBe('created');
    expect((await provision(deps, 'shop')).outcome).toBe('created');
    expect(subaccountsOf(fake)).toEqual([
      ['acme', 'u123456-sub1'],
      ['shop', 'u123456-sub2'],
    ]);
    expect(fake.state().subaccounts.map((s) => s.home_directory)).toEqual([
      'supafleet/acme',
      'supafleet/shop',
    ]);
    expect(backupAccount(fake, 'acme').target).toBe('u123456-sub1@u123456.your-storagebox.de');
    expect(backupAccount(fake, 'shop').target).toBe('u123456-sub2@u123456.your-storagebox.de');
    // the one-time passwords are masked and never printed
    for (const project of ['acme', 'shop']) {
      const { password } = backupAccount(fake, project);
      expect(log.masked).toContain(password);
      expect(log.lines.join('\n')).not.toContain(password);
    }
  });

  it("when the worker is healthy, then the password in its user_data no longer is the sub-account's", async () => {
    const { fake, deps, log } = await setup();
    await provision(deps, 'acme');
    const id = fake.state().subaccounts[0]!.id as number;
    const current = fake.subaccountPassword(id)!;
    expect(current).not.toBe(backupAccount(fake, 'acme').password);
    expect(log.lines.join('\n')).not.toContain(current);
    expect(log.lines).toContain("acme: backup sub-account's one-time password replaced");
  });

  it('when a project is provisioned again, then its sub-account is found, not created twice', async () => {
    const { fake, deps } = await setup();
    await provision(deps, 'acme');
    await provision(deps, 'acme');
    expect(subaccountsOf(fake)).toEqual([['acme', 'u123456-sub1']]);
    expect(fake.calls().filter((c) => c.kind === 'POST /storage_boxes/{id}/subaccounts')).toHaveLength(1);
  });

  it("when a project is torn down, then its sub-account goes after the final backup, the other project's stays, and the backups' directory is kept", async () => {
    const { fake, deps, m } = await setup();
    await provision(deps, 'acme');
    await provision(deps, 'shop');
    const r = await teardownProject(deps, { fleet, name: 'acme', protect: false, backupWaitMs: 60_000 });
    expect(r).toMatchObject({ subaccountsDeleted: 1, serversDeleted: 1, tombstoned: true });
    expect(m.calls.indexOf('POST acme/backups')).toBeGreaterThanOrEqual(0);
    expect(subaccountsOf(fake)).toEqual([['shop', 'u123456-sub2']]);
    expect(fake.state().storageBoxDirectories[BOX]).toContain('supafleet/acme');
  });

  it('when the worker never becomes healthy, then the sub-account this run created is undone with the server', async () => {
    const { fake, deps } = await setup('never-healthy');
    const r = await provision(deps, 'acme', 30_000);
    expect(r.outcome).toBe('failed');
    expect(r.undone).toContain('backup sub-account');
    expect(fake.state().subaccounts).toEqual([]);
  });

  it('when the fleet names a Storage Box but apply has no Storage Box client, then provisioning fails before any server', async () => {
    const { fake, deps } = await setup();
    const { storageBox: _, ...without } = deps;
    const r = await provision(without, 'acme');
    expect(r).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/no Storage Box client/) });
    expect(fake.state().servers).toEqual([]);
  });

  it("when a project's worker is re-created, then the new worker boots with the sub-account's current password, replaced after health", async () => {
    const { fake, deps } = await setup();
    await provision(deps, 'acme');
    const first = fake.state().servers[0]!;
    const action = await deps.hetzner.deleteServer(first.id, {
      fleet: 'prod',
      project: 'acme',
      role: 'worker',
    });
    if (action) await deps.hetzner.waitForAction(action);
    const seenAtBoot: (string | undefined)[] = [];
    const id = fake.state().subaccounts[0]!.id as number;
    fake.onServerCreated(() => seenAtBoot.push(fake.subaccountPassword(id)));
    await provision(deps, 'acme');
    expect(seenAtBoot).toEqual([backupAccount(fake, 'acme').password]);
    expect(fake.subaccountPassword(id)).not.toBe(backupAccount(fake, 'acme').password);
    expect(subaccountsOf(fake)).toEqual([['acme', 'u123456-sub1']]);
  });

  it('when a project is provisioned again while its server exists, then the password its worker may still be booting with is replaced only after health', async () => {
    const { fake, deps } = await setup();
    await provision(deps, 'acme');
    const server = fake.state().servers[0]!;
    const before = resets(fake);
    await provision(deps, 'acme', 60_000, { id: server.id, name: server.name });
    expect(resets(fake) - before).toBe(1);
    expect(fake.state().servers).toHaveLength(1);
  });

  it("when an orphan server is deleted, then its project's left-over sub-account goes too, and no other", async () => {
    const { fake, deps } = await setup();
    await provision(deps, 'acme');
    await provision(deps, 'shop');
    const server = fake.state().servers.find((x) => x.labels['supafleet/project'] === 'acme')!;
    await deleteOrphan(deps, fleet, { id: server.id, name: server.name }, 'acme');
    expect(subaccountsOf(fake)).toEqual([['shop', 'u123456-sub2']]);
  });
});
