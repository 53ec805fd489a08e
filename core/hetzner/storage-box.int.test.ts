import { afterEach, describe, expect, it } from 'vitest';
import { HetznerActionError } from './errors.ts';
import { StorageBoxClient, backupSubaccountLabels, generateSubaccountPassword } from './storage-box.ts';
import { startFakeHetzner, type FakeHetzner, type FakeHetznerOptions } from '../../fakes/hetzner/index.ts';

const TOKEN = 'b'.repeat(64);
const BOX = 4711;
let fake: FakeHetzner | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A fake and a client sharing one virtual clock: sleeping advances time, nothing waits. */
async function setup(options: FakeHetznerOptions = {}) {
  let now = 1_800_000_000_000;
  const clock = () => now;
  fake = await startFakeHetzner({
    token: TOKEN,
    actionDurationMs: 1500,
    now: clock,
    storageBoxes: [{ id: BOX, username: 'u123456' }],
    ...options,
  });
  const sleeps: number[] = [];
  const boxes = new StorageBoxClient({
    token: TOKEN,
    endpoint: fake.hetznerUrl,
    now: clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => 0.5,
    requestTimeoutMs: 5000,
  });
  return { fake, boxes, sleeps };
}

const posts = (f: FakeHetzner) =>
  f
    .calls()
    .filter((c) => c.method === 'POST')
    .map((c) => c.kind);

describe('StorageBoxClient against the fake', () => {
  it('when a project sub-account is ensured twice, then it is created once, with home supafleet/<project>, SSH on and the fleet labels', async () => {
    const { fake, boxes, sleeps } = await setup();
    const first = await boxes.ensureProjectSubaccount(BOX, 'demo', 'acme');
    const second = await boxes.ensureProjectSubaccount(BOX, 'demo', 'acme');
    expect(first.created).toBe(true);
    expect(second).toEqual({ subaccount: first.subaccount, created: false });
    expect(first.subaccount).toMatchObject({
      username: 'u123456-sub1',
      server: 'u123456.your-storagebox.de',
      home_directory: 'supafleet/acme',
      labels: backupSubaccountLabels('demo', 'acme'),
      access_settings: { ssh_enabled: true, reachable_externally: false, readonly: false },
    });
    expect(first.password!.reveal()).toBe(fake.subaccountPassword(first.subaccount.id));
    expect(posts(fake)).toEqual(['POST /storage_boxes/{id}/subaccounts']);
    // the create action was polled, at least a second apart
    expect(sleeps.length).toBeGreaterThan(0);
    expect(Math.min(...sleeps)).toBeGreaterThanOrEqual(1000);
  });

  it('when the create answer is lost, then the client finds the sub-account by its labels instead of creating a second one', async () => {
    const { fake, boxes } = await setup({
      faults: [{ kind: 'lose_response', match: 'POST /storage_boxes/{id}/subaccounts' }],
    });
    const result = await boxes.ensureProjectSubaccount(BOX, 'demo', 'acme');
    expect(result.created).toBe(true);
    expect(fake.state().subaccounts).toHaveLength(1);
    expect(posts(fake)).toEqual(['POST /storage_boxes/{id}/subaccounts']);
  });

  it('when 503 and 429 answers hit the create, then it is retried and one sub-account exists', async () => {
    const { fake, boxes } = await setup({
      faults: [{ kind: 'error', status: 503, match: 'POST /storage_boxes/{id}/subaccounts', times: 2 }],
    });
    fake.inject({ kind: 'error', status: 429, match: 'POST /storage_boxes/{id}/subaccounts' });
    await boxes.ensureProjectSubaccount(BOX, 'demo', 'acme');
    expect(fake.state().subaccounts).toHaveLength(1);
  });

  it('when the create action ends in error, then ensuring fails with its code', async () => {
    const { boxes } = await setup({ faults: [{ kind: 'action_error', command: 'create_subaccount' }] });
    await expect(boxes.ensureProjectSubaccount(BOX, 'demo', 'acme')).rejects.toBeInstanceOf(
      HetznerActionError,
    );
  });

  it("when a project's sub-accounts are deleted, then only that project's of this fleet go and its directory stays", async () => {
    const { fake, boxes } = await setup();
    await boxes.ensureProjectSubaccount(BOX, 'demo', 'acme');
    await boxes.ensureProjectSubaccount(BOX, 'demo', 'shop');
    await boxes.ensureProjectSubaccount(BOX, 'other', 'acme');
    expect(await boxes.deleteProjectSubaccounts(BOX, 'demo', 'acme')).toBe(1);
    expect(
      fake
        .state()
        .subaccounts.map((s) => [s.home_directory, (s.labels as Record<string, string>)['supafleet/fleet']]),
    ).toEqual([
      ['supafleet/shop', 'demo'],
      ['supafleet/acme', 'other'],
    ]);
    expect(fake.state().storageBoxDirectories[BOX]).toContain('supafleet/acme');
    expect(await boxes.deleteProjectSubaccounts(BOX, 'demo', 'acme')).toBe(0);
  });

  it('when a password is reset, then the sub-account has the new one once the call returns', async () => {
    const { fake, boxes } = await setup();
    const { subaccount } = await boxes.ensureProjectSubaccount(BOX, 'demo', 'acme');
    const next = generateSubaccountPassword();
    await boxes.resetPassword(BOX, subaccount.id, next);
    expect(fake.subaccountPassword(subaccount.id)).toBe(next.reveal());
  });

  it('when passwords are generated, then each is new, 36 characters with upper, lower, digit and special, and prints as [redacted]', () => {
    const a = generateSubaccountPassword();
    const b = generateSubaccountPassword();
    expect(a.reveal()).not.toBe(b.reveal());
    expect(a.reveal()).toMatch(/^[A-Za-z0-9_-]{32}Aa1-$/);
    expect(String(a)).not.toContain(a.reveal());
    expect(JSON.stringify({ a })).not.toContain(a.reveal());
  });
});

describe('StorageBoxClient and the box itself', () => {
  it('when the box exists, then getStorageBox gives its main account, host and access settings', async () => {
    const { boxes } = await setup();
    expect(await boxes.getStorageBox(BOX)).toMatchObject({
      id: BOX,
      username: 'u123456',
      server: 'u123456.your-storagebox.de',
      access_settings: { ssh_enabled: false, reachable_externally: false },
    });
  });

  it('when no box has the id, then getStorageBox gives undefined', async () => {
    const { boxes } = await setup();
    expect(await boxes.getStorageBox(999)).toBeUndefined();
  });

  it('when SSH is turned on, then the call waits for the action and the box shows SSH on, the rest unchanged', async () => {
    const { fake, boxes, sleeps } = await setup({
      storageBoxes: [{ id: BOX, username: 'u123456', accessSettings: { samba_enabled: true } }],
    });
    await boxes.updateAccessSettings(BOX, { ssh_enabled: true });
    expect(sleeps.length).toBeGreaterThan(0);
    expect(posts(fake)).toHaveLength(1);
    expect((await boxes.getStorageBox(BOX))?.access_settings).toEqual({
      reachable_externally: false,
      samba_enabled: true,
      ssh_enabled: true,
      webdav_enabled: false,
      zfs_enabled: false,
    });
  });
});
