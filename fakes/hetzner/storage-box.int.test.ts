/**
 * The fake's Storage Box API (sub-accounts), each case backed by CONFORMANCE.md,
 * "Storage Box API".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeHetzner, type FakeHetzner } from './index.ts';

const TOKEN = 's'.repeat(64);
const BOX = 4711;
const PASSWORD = 'Initial-Passw0rd!x';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read deep into JSON answers
type Json = Record<string, any>;
let fake: FakeHetzner | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(actionDurationMs = 0, now?: () => number) {
  fake = await startFakeHetzner({
    token: TOKEN,
    actionDurationMs,
    ...(now ? { now } : {}),
    storageBoxes: [{ id: BOX, username: 'u123456' }],
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${fake!.hetznerUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Json) : undefined };
  };
  return { fake, call };
}

const subaccount = (home: string, labels: Record<string, string> = {}, extra: Json = {}) => ({
  home_directory: home,
  password: PASSWORD,
  labels,
  ...extra,
});

describe('fake Storage Box sub-accounts', () => {
  it('when a sub-account is created, then the answer is 201 with its id, its box and a running action', async () => {
    const { call } = await start(60_000);
    const res = await call('POST', `/storage_boxes/${BOX}/subaccounts`, subaccount('supafleet/acme'));
    expect(res.status).toBe(201);
    expect(Object.keys(res.body!).sort()).toEqual(['action', 'subaccount']);
    expect(res.body!.subaccount).toEqual({ id: expect.any(Number), storage_box: BOX });
    expect(res.body!.action).toMatchObject({ status: 'running', finished: null });
    const action = await call('GET', `/storage_boxes/actions/${res.body!.action.id}`);
    expect(action.status).toBe(200);
    expect(action.body!.action.id).toBe(res.body!.action.id);
  });

  it('when a sub-account is read, then Hetzner named it <box user>-sub<N> and it serves on the box host', async () => {
    const { call } = await start();
    const a = await call('POST', `/storage_boxes/${BOX}/subaccounts`, subaccount('supafleet/acme'));
    const b = await call(
      'POST',
      `/storage_boxes/${BOX}/subaccounts`,
      subaccount('supafleet/shop', {}, { access_settings: { ssh_enabled: true } }),
    );
    const first = (await call('GET', `/storage_boxes/${BOX}/subaccounts/${a.body!.subaccount.id}`)).body!
      .subaccount;
    const second = (await call('GET', `/storage_boxes/${BOX}/subaccounts/${b.body!.subaccount.id}`)).body!
      .subaccount;
    expect(first).toMatchObject({
      username: 'u123456-sub1',
      name: 'u123456-sub1',
      server: 'u123456.your-storagebox.de',
      home_directory: 'supafleet/acme',
      storage_box: BOX,
      access_settings: {
        reachable_externally: false,
        readonly: false,
        samba_enabled: false,
        ssh_enabled: false,
        webdav_enabled: false,
      },
    });
    expect(second).toMatchObject({ username: 'u123456-sub2', access_settings: { ssh_enabled: true } });
    expect(JSON.stringify([first, second])).not.toContain(PASSWORD);
  });

  it.each([
    ['no password', { home_directory: 'supafleet/acme' }, 'password'],
    ['an empty password', { home_directory: 'supafleet/acme', password: '' }, 'password'],
    ['no home_directory', { password: PASSWORD }, 'home_directory'],
  ])(
    'when a create has %s, then the answer is 422 invalid_input naming the field',
    async (_, body, field) => {
      const { call, fake } = await start();
      const res = await call('POST', `/storage_boxes/${BOX}/subaccounts`, body);
      expect(res.status).toBe(422);
      expect(res.body!.error.code).toBe('invalid_input');
      expect(res.body!.error.details.fields[0].name).toBe(field);
      expect(fake.state().subaccounts).toEqual([]);
    },
  );

  it('when a home directory does not exist, then creating the sub-account creates it, and deleting the sub-account keeps it', async () => {
    const { call, fake } = await start();
    expect(fake.state().storageBoxDirectories[BOX]).toEqual([]);
    const res = await call('POST', `/storage_boxes/${BOX}/subaccounts`, subaccount('supafleet/acme'));
    expect(fake.state().storageBoxDirectories[BOX]).toEqual(['supafleet', 'supafleet/acme']);
    const del = await call('DELETE', `/storage_boxes/${BOX}/subaccounts/${res.body!.subaccount.id}`);
    expect(del.status).toBe(201);
    expect(Object.keys(del.body!)).toEqual(['action']);
    expect((await call('GET', `/storage_boxes/${BOX}/subaccounts/${res.body!.subaccount.id}`)).status).toBe(
      404,
    );
    expect(fake.state().subaccounts).toEqual([]);
    expect(fake.state().storageBoxDirectories[BOX]).toEqual(['supafleet', 'supafleet/acme']);
  });

  it('when sub-accounts are listed by label_selector, name or username, then only the matching ones come back, without pagination', async () => {
    const { call } = await start();
    await call('POST', `/storage_boxes/${BOX}/subaccounts`, subaccount('a', { fleet: 'prod', project: 'a' }));
    await call('POST', `/storage_boxes/${BOX}/subaccounts`, subaccount('b', { fleet: 'prod', project: 'b' }));
    await call('POST', `/storage_boxes/${BOX}/subaccounts`, subaccount('c', { fleet: 'dev', project: 'a' }));
    const homes = async (query: string) =>
      ((await call('GET', `/storage_boxes/${BOX}/subaccounts${query}`)).body!.subaccounts as Json[]).map(
        (s) => s.home_directory,
      );
    expect(await homes('')).toEqual(['a', 'b', 'c']);
    expect(await homes('?label_selector=fleet%3Dprod%2Cproject%3Da')).toEqual(['a']);
    expect(await homes('?label_selector=project%20in%20(a)')).toEqual(['a', 'c']);
    expect(await homes('?username=u123456-sub2')).toEqual(['b']);
    expect(await homes('?name=u123456-sub3')).toEqual(['c']);
    const all = await call('GET', `/storage_boxes/${BOX}/subaccounts`);
    expect(all.body!.meta).toBeUndefined();
  });

  it('when a password is reset, then the action runs and the sub-account has the new password afterwards', async () => {
    const { call, fake } = await start();
    const res = await call('POST', `/storage_boxes/${BOX}/subaccounts`, subaccount('supafleet/acme'));
    const id = res.body!.subaccount.id as number;
    const reset = await call(
      'POST',
      `/storage_boxes/${BOX}/subaccounts/${id}/actions/reset_subaccount_password`,
      { password: 'Another-Passw0rd!y' },
    );
    expect(reset.status).toBe(201);
    expect(Object.keys(reset.body!)).toEqual(['action']);
    const done = await call('GET', `/storage_boxes/actions/${reset.body!.action.id}`);
    expect(done.body!.action.status).toBe('success');
    expect(fake.subaccountPassword(id)).toBe('Another-Passw0rd!y');
  });

  it('when the box or the sub-account is unknown, then the answer is 404 not_found', async () => {
    const { call } = await start();
    for (const path of [`/storage_boxes/999/subaccounts`, `/storage_boxes/${BOX}/subaccounts/999`]) {
      const res = await call('GET', path);
      expect(res.status).toBe(404);
      expect(res.body!.error.code).toBe('not_found');
    }
  });

  it("when a Storage Box action is read through the Cloud API's /actions, then it is not found there", async () => {
    const { call } = await start();
    const res = await call('POST', `/storage_boxes/${BOX}/subaccounts`, subaccount('supafleet/acme'));
    const cloud = await call('GET', `/actions/${res.body!.action.id}`);
    expect(cloud.status).toBe(404);
  });
});

describe('fake Storage Boxes', () => {
  it('when a box is read, then it names its main account, its host and its access settings, each false unless seeded', async () => {
    const { call } = await start();
    const res = await call('GET', `/storage_boxes/${BOX}`);
    expect(res.status).toBe(200);
    expect(res.body!.storage_box).toMatchObject({
      id: BOX,
      username: 'u123456',
      status: 'active',
      server: 'u123456.your-storagebox.de',
      access_settings: {
        reachable_externally: false,
        samba_enabled: false,
        ssh_enabled: false,
        webdav_enabled: false,
        zfs_enabled: false,
      },
    });
  });

  it('when a box is unknown, then reading it is 404 not_found', async () => {
    const { call } = await start();
    const res = await call('GET', '/storage_boxes/999');
    expect(res.status).toBe(404);
    expect(res.body!.error.code).toBe('not_found');
  });

  it('when access settings are updated, then the answer is 201 with a running action, and only the settings given change once it ends', async () => {
    let clock = 1_800_000_000_000;
    const { call } = await start(60_000, () => clock);
    const res = await call('POST', `/storage_boxes/${BOX}/actions/update_access_settings`, {
      ssh_enabled: true,
    });
    expect(res.status).toBe(201);
    expect(res.body!.action).toMatchObject({ command: 'update_access_settings', status: 'running' });
    expect((await call('GET', `/storage_boxes/${BOX}`)).body!.storage_box.access_settings.ssh_enabled).toBe(
      false,
    );
    clock += 60_000;
    const action = await call('GET', `/storage_boxes/actions/${res.body!.action.id}`);
    expect(action.body!.action.status).toBe('success');
    expect((await call('GET', `/storage_boxes/${BOX}`)).body!.storage_box.access_settings).toMatchObject({
      ssh_enabled: true,
      reachable_externally: false,
    });
  });

  it('when an access setting is not a boolean, then the update is 422 invalid_input', async () => {
    const { call } = await start();
    const res = await call('POST', `/storage_boxes/${BOX}/actions/update_access_settings`, {
      ssh_enabled: 'yes',
    });
    expect(res.status).toBe(422);
    expect(res.body!.error.code).toBe('invalid_input');
  });
});
