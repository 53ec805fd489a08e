/**
 * The fake's Storage Boxes and their sub-accounts, as the Hetzner API
 * (`https://api.hetzner.com/v1`) serves them: see CONFORMANCE.md, "Storage Box API".
 * Boxes are seeded (the API cannot order one here), read, and get new access settings;
 * sub-accounts are created, listed,
 * read, deleted and get new passwords, each write answered with an action that the
 * shared model runs like the Cloud API's.
 */
import { matchesSelector } from '../../core/hetzner/label-selector.ts';
import { FakeApiError, checkLabels, invalid, selectorRequirements, type FakeModel } from './model.ts';

/** A Storage Box the fake holds from the start. */
export interface FakeStorageBoxSeed {
  readonly id: number;
  /** The main account's user, e.g. `u123456`. */
  readonly username: string;
  /** Its host name (default `<username>.your-storagebox.de`). */
  readonly server?: string;
  /** Its name (default `storage-box-<id>`). */
  readonly name?: string;
  /** Its main account's access settings; each one not given is false (a box ordered without them). */
  readonly accessSettings?: Partial<FakeBoxAccess>;
}

/** A box's main account access settings (`access_settings` of `GET /storage_boxes/{id}`). */
export interface FakeBoxAccess {
  reachable_externally: boolean;
  samba_enabled: boolean;
  ssh_enabled: boolean;
  webdav_enabled: boolean;
  zfs_enabled: boolean;
}

const BOX_ACCESS_KEYS = [
  'reachable_externally',
  'samba_enabled',
  'ssh_enabled',
  'webdav_enabled',
  'zfs_enabled',
] as const;

export interface FakeSubaccount {
  id: number;
  storageBox: number;
  name: string;
  username: string;
  home_directory: string;
  server: string;
  access_settings: {
    reachable_externally: boolean;
    readonly: boolean;
    samba_enabled: boolean;
    ssh_enabled: boolean;
    webdav_enabled: boolean;
  };
  description: string;
  labels: Record<string, string>;
  created: string;
  /** The current password (never part of an API answer; tests see that a reset changed it). */
  password: string;
}

interface FakeBox {
  readonly id: number;
  readonly name: string;
  readonly username: string;
  readonly server: string;
  readonly access: FakeBoxAccess;
  readonly created: string;
  /** Directories under the main account's root (created by sub-accounts' home_directory). */
  readonly directories: Set<string>;
  /** The last `-sub<N>` handed out. */
  lastSub: number;
}

const ACCESS_KEYS = [
  'reachable_externally',
  'readonly',
  'samba_enabled',
  'ssh_enabled',
  'webdav_enabled',
] as const;

/** `a/b/`, `/a//b` → `a/b`: the directory relative to the main account's root. */
function normaliseHome(home: string): string {
  return home
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/');
}

export class FakeStorageBoxes {
  private readonly boxes = new Map<number, FakeBox>();
  readonly subaccounts = new Map<number, FakeSubaccount>();
  private nextId = 1;

  constructor(
    private readonly model: FakeModel,
    seeds: readonly FakeStorageBoxSeed[],
    private readonly iso: (ms: number) => string,
    private readonly now: () => number,
  ) {
    for (const seed of seeds) {
      this.boxes.set(seed.id, {
        id: seed.id,
        name: seed.name ?? `storage-box-${seed.id}`,
        username: seed.username,
        server: seed.server ?? `${seed.username}.your-storagebox.de`,
        access: Object.fromEntries(
          BOX_ACCESS_KEYS.map((k) => [k, seed.accessSettings?.[k] ?? false]),
        ) as unknown as FakeBoxAccess,
        created: iso(now()),
        directories: new Set(),
        lastSub: 0,
      });
    }
  }

  private box(id: number): FakeBox {
    const box = this.boxes.get(id);
    if (!box) throw new FakeApiError(404, 'not_found', `storage box with ID '${id}' not found`);
    return box;
  }

  /** `GET /storage_boxes/{id}`: the box with the fields the fake models. */
  boxShape(id: number): Record<string, unknown> {
    const box = this.box(id);
    return {
      id: box.id,
      name: box.name,
      username: box.username,
      status: 'active',
      server: box.server,
      access_settings: { ...box.access },
      labels: {},
      created: box.created,
    };
  }

  /** `POST /storage_boxes/{id}/actions/update_access_settings`: the settings given change when the action ends. */
  updateAccessSettings(id: number, body: Record<string, unknown>): Record<string, unknown> {
    const box = this.box(id);
    const change: Partial<FakeBoxAccess> = {};
    for (const [k, v] of Object.entries(body)) {
      if (!(BOX_ACCESS_KEYS as readonly string[]).includes(k)) throw invalid(k, 'is not an access setting');
      if (typeof v !== 'boolean') throw invalid(k, 'must be a boolean');
      change[k as keyof FakeBoxAccess] = v;
    }
    const action = this.model.startAction(
      'update_access_settings',
      [{ id, type: 'storage_box' }],
      () => Object.assign(box.access, change),
      undefined,
      'storage_box',
    );
    return { action: this.model.actionShape(action, true) };
  }

  /** The directories that exist under a box's root (what sub-account creation made). */
  directories(boxId: number): string[] {
    return [...(this.boxes.get(boxId)?.directories ?? [])].sort();
  }

  shape(sub: FakeSubaccount): Record<string, unknown> {
    return {
      id: sub.id,
      name: sub.name,
      username: sub.username,
      home_directory: sub.home_directory,
      server: sub.server,
      access_settings: { ...sub.access_settings },
      description: sub.description,
      labels: { ...sub.labels },
      created: sub.created,
      storage_box: sub.storageBox,
    };
  }

  get(boxId: number, id: number): FakeSubaccount {
    this.box(boxId);
    const sub = this.subaccounts.get(id);
    if (!sub || sub.storageBox !== boxId) {
      throw new FakeApiError(404, 'not_found', `storage box subaccount with ID '${id}' not found`);
    }
    return sub;
  }

  list(boxId: number, query: URLSearchParams): FakeSubaccount[] {
    this.box(boxId);
    const selector = query.get('label_selector');
    const reqs = selector !== null ? selectorRequirements(selector) : [];
    const name = query.get('name');
    const username = query.get('username');
    return [...this.subaccounts.values()]
      .filter((s) => s.storageBox === boxId)
      .filter((s) => name === null || s.name === name)
      .filter((s) => username === null || s.username === username)
      .filter((s) => matchesSelector(s.labels, reqs))
      .sort((a, b) => a.id - b.id);
  }

  create(boxId: number, body: Record<string, unknown>): Record<string, unknown> {
    const box = this.box(boxId);
    if (typeof body.home_directory !== 'string' || normaliseHome(body.home_directory) === '') {
      throw invalid('home_directory', 'is required');
    }
    if (typeof body.password !== 'string' || body.password === '') throw invalid('password', 'is required');
    if (body.name !== undefined && typeof body.name !== 'string') throw invalid('name', 'must be a string');
    const labels = checkLabels(body.labels);
    const requested = (body.access_settings ?? {}) as Record<string, unknown>;
    if (typeof requested !== 'object' || requested === null || Array.isArray(requested)) {
      throw invalid('access_settings', 'must be an object');
    }
    const access = Object.fromEntries(
      ACCESS_KEYS.map((k) => {
        const v = requested[k];
        if (v !== undefined && typeof v !== 'boolean')
          throw invalid(`access_settings.${k}`, 'must be a boolean');
        return [k, v ?? false];
      }),
    ) as FakeSubaccount['access_settings'];
    const username = `${box.username}-sub${box.lastSub + 1}`;
    const name = typeof body.name === 'string' && body.name !== '' ? body.name : username;
    if (this.list(boxId, new URLSearchParams()).some((s) => s.name === name)) {
      throw new FakeApiError(409, 'uniqueness_error', 'subaccount name is already used', {
        fields: [{ name: 'name' }],
      });
    }
    box.lastSub += 1;
    const home = normaliseHome(body.home_directory);
    const sub: FakeSubaccount = {
      id: this.nextId++,
      storageBox: boxId,
      name,
      username,
      home_directory: body.home_directory,
      server: box.server,
      access_settings: access,
      description: typeof body.description === 'string' ? body.description : '',
      labels,
      created: this.iso(this.now()),
      password: body.password,
    };
    this.subaccounts.set(sub.id, sub);
    // The home directory (and its parents) exists from now on, as Hetzner creates it if missing.
    const parts = home.split('/');
    for (let i = 1; i <= parts.length; i++) box.directories.add(parts.slice(0, i).join('/'));
    const action = this.model.startAction(
      'create_subaccount',
      [{ id: boxId, type: 'storage_box' }],
      undefined,
      undefined,
      'storage_box',
    );
    return { subaccount: { id: sub.id, storage_box: boxId }, action: this.model.actionShape(action, true) };
  }

  /** Deletes the login; its home directory and the files in it stay with the main account. */
  delete(boxId: number, id: number): Record<string, unknown> {
    this.get(boxId, id);
    this.subaccounts.delete(id);
    const action = this.model.startAction(
      'delete_subaccount',
      [{ id: boxId, type: 'storage_box' }],
      undefined,
      undefined,
      'storage_box',
    );
    return { action: this.model.actionShape(action, true) };
  }

  resetPassword(boxId: number, id: number, body: Record<string, unknown>): Record<string, unknown> {
    const sub = this.get(boxId, id);
    if (typeof body.password !== 'string' || body.password === '') throw invalid('password', 'is required');
    const password = body.password;
    const action = this.model.startAction(
      'reset_subaccount_password',
      [{ id: boxId, type: 'storage_box' }],
      () => {
        sub.password = password;
      },
      undefined,
      'storage_box',
    );
    return { action: this.model.actionShape(action, true) };
  }
}
