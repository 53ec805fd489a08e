/**
 * A fake Hetzner Cloud API on 127.0.0.1 for tests and the demo: real paths, shapes,
 * error bodies and status codes, pagination with `meta.pagination` and a `Link` header,
 * label selectors, actions that progress over time, `RateLimit-*` headers from a token
 * bucket, and injectable faults. The real `hcloud` CLI runs against it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { datacenterShape, imageShapes, locationShapes, serverTypeShapes } from './catalogue-shapes.ts';
import { DEFAULT_ERROR_CODES, FaultQueue, type Fault } from './faults.ts';
import { FakeApiError, FakeModel } from './model.ts';
import { TokenBucket, type RateLimitOptions } from './rate-limit.ts';
import { FakeStorageBoxes, type FakeStorageBoxSeed } from './storage-box.ts';
import { callKind } from '../../core/hetzner/http.ts';

export type { Fault } from './faults.ts';
export type { FakeStorageBoxSeed } from './storage-box.ts';

/** Called when a server's create action succeeds, with its API shape and its user_data. */
export type ServerCreatedHook = (server: Record<string, unknown>, userData: string | undefined) => void;

/** Called when a server's rebuild action succeeds, with its API shape and the user_data it now boots with. */
export type ServerRebuiltHook = ServerCreatedHook;

export interface FakeHetznerOptions {
  /** The accepted bearer token; when absent any non-empty token is accepted. */
  readonly token?: string;
  /**
   * Read tokens: accepted for GET only; any other method is 401 `token_readonly`
   * (CONFORMANCE.md, "Cloud API: protocol").
   */
  readonly readOnlyTokens?: readonly string[];
  /** How long actions stay `running` (default 1000 ms; 0 = done on the next read). */
  readonly actionDurationMs?: number;
  /** Faults armed from the start. */
  readonly faults?: readonly Fault[];
  /** Token bucket (default Hetzner's: 3600, refilled 1 per second). */
  readonly rateLimit?: RateLimitOptions;
  /** Clock in ms since the epoch (default Date.now). */
  readonly now?: () => number;
  readonly onServerCreated?: ServerCreatedHook;
  readonly onServerRebuilt?: ServerRebuiltHook;
  /** Port on 127.0.0.1 (default: a free one). */
  readonly port?: number;
  /** Storage Boxes the Hetzner API part serves (default none). */
  readonly storageBoxes?: readonly FakeStorageBoxSeed[];
}

/** One request the fake saw. */
export interface FakeCall {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly kind: string;
  readonly status: number;
}

/** A snapshot of the fake's project. */
export interface FakeState {
  readonly servers: readonly {
    id: number;
    name: string;
    status: string;
    server_type: string;
    location: string;
    labels: Record<string, string>;
    image: string;
    /** The stored user_data (what the server boots with), undefined when none. */
    user_data: string | undefined;
    user_data_bytes: number;
    firewall_ids: number[];
  }[];
  readonly firewalls: readonly Record<string, unknown>[];
  readonly actions: readonly Record<string, unknown>[];
  /** Storage Box sub-accounts as the API shows them, with the box's id in `storage_box`. */
  readonly subaccounts: readonly Record<string, unknown>[];
  /** Per Storage Box id: the directories under its root (sub-account homes made them). */
  readonly storageBoxDirectories: Readonly<Record<number, readonly string[]>>;
}

export interface FakeHetzner {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  /**
   * The Hetzner API's base URL (Storage Boxes; `https://api.hetzner.com/v1` for real). The
   * fake serves it on the same listener, so it equals `url`.
   */
  readonly hetznerUrl: string;
  /** The current password of a sub-account (tests check a reset took effect; never in an API answer). */
  subaccountPassword(id: number): string | undefined;
  close(): Promise<void>;
  state(): FakeState;
  inject(fault: Fault): void;
  calls(): FakeCall[];
  /** Sets (or replaces) the hook called when a server finishes booting. */
  onServerCreated(hook: ServerCreatedHook | undefined): void;
  /** Sets (or replaces) the hook called when a rebuilt server finishes booting. */
  onServerRebuilt(hook: ServerRebuiltHook | undefined): void;
}

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new FakeApiError(400, 'json_error', `request body larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function paginate(
  items: readonly unknown[],
  key: string,
  url: URL,
  base: string,
): { body: Record<string, unknown>; link: string } {
  const perPage = Math.min(50, Math.max(1, Number(url.searchParams.get('per_page') ?? 25) || 25));
  const total = items.length;
  const last = Math.max(1, Math.ceil(total / perPage));
  const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const pageUrl = (p: number): string => {
    const u = new URL(`${base}${url.pathname}${url.search}`);
    u.searchParams.set('page', String(p));
    u.searchParams.set('per_page', String(perPage));
    return u.toString();
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${pageUrl(page - 1)}>; rel="prev"`);
  if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`);
  links.push(`<${pageUrl(last)}>; rel="last"`);
  return {
    body: {
      [key]: slice,
      meta: {
        pagination: {
          page,
          per_page: perPage,
          previous_page: page > 1 ? page - 1 : null,
          next_page: page < last ? page + 1 : null,
          last_page: last,
          total_entries: total,
        },
      },
    },
    link: links.join(', '),
  };
}

function byName<T extends Record<string, unknown>>(items: T[], url: URL): T[] {
  const name = url.searchParams.get('name');
  return name === null ? items : items.filter((i) => i.name === name);
}

/** Starts the fake on 127.0.0.1. */
export async function startFakeHetzner(options: FakeHetznerOptions = {}): Promise<FakeHetzner> {
  const now = options.now ?? Date.now;
  const faults = new FaultQueue();
  const bucket = new TokenBucket(options.rateLimit ?? { limit: 3600, refillPerSecond: 1 }, now());
  let hook = options.onServerCreated;
  let rebuiltHook = options.onServerRebuilt;
  const timers = new Set<NodeJS.Timeout>();
  const model: FakeModel = new FakeModel({
    schedule: (ms) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        model.tick();
      }, ms + 1);
      timer.unref();
      timers.add(timer);
    },
    now,
    actionDurationMs: options.actionDurationMs ?? 1000,
    faults,
    onServerCreated: (server, userData) => {
      try {
        hook?.(server, userData);
      } catch (err) {
        // A failing hook must not take the fake down (it may run from a timer).
        console.error(`fake Hetzner: onServerCreated hook failed: ${(err as Error).message}`);
      }
    },
    onServerRebuilt: (server, userData) => {
      try {
        rebuiltHook?.(server, userData);
      } catch (err) {
        console.error(`fake Hetzner: onServerRebuilt hook failed: ${(err as Error).message}`);
      }
    },
  });
  const inject = (fault: Fault): void => {
    if (fault.kind === 'drain_rate_limit') bucket.drain(now());
    else faults.add(fault);
  };
  for (const fault of options.faults ?? []) inject(fault);
  const boxes = new FakeStorageBoxes(
    model,
    options.storageBoxes ?? [],
    (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    now,
  );
  const calls: FakeCall[] = [];
  const sshKeys = new Map<number, Record<string, unknown>>();
  let nextSshKeyId = 1;
  /** `POST /ssh_keys` (CONFORMANCE.md, "SSH keys"). */
  const createSshKey = (body: Record<string, unknown>): Record<string, unknown> => {
    const name = body.name;
    const publicKey = body.public_key;
    const fields: { name: string; messages: string[] }[] = [];
    if (typeof name !== 'string' || name === '') fields.push({ name: 'name', messages: ['is required'] });
    if (typeof publicKey !== 'string' || !/^ssh-(ed25519|rsa) [A-Za-z0-9+/=]+( .*)?$/.test(publicKey))
      fields.push({ name: 'public_key', messages: ['is invalid'] });
    if (fields.length > 0) throw new FakeApiError(422, 'invalid_input', 'invalid input', { fields });
    if ([...sshKeys.values()].some((k) => k.name === name))
      throw new FakeApiError(409, 'uniqueness_error', 'SSH key with the same name already exists', {
        fields: [{ name: 'name' }],
      });
    const id = nextSshKeyId++;
    const key = {
      id,
      name,
      fingerprint: `fake:${id}`,
      public_key: publicKey,
      labels: (body.labels as Record<string, string> | undefined) ?? {},
      created: new Date(now()).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    };
    sshKeys.set(id, key);
    return key;
  };
  const sockets = new Set<Socket>();
  let base = '';

  async function route(method: string, url: URL, req: IncomingMessage): Promise<[number, unknown, string?]> {
    const path = url.pathname.replace(/^\/v1/, '');
    const parts = path.split('/').filter((p) => p !== '');
    const [collection, idText, sub, command] = parts;
    const id = idText !== undefined ? Number(idText) : undefined;
    const readJson = async (): Promise<Record<string, unknown>> => {
      const text = await readBody(req);
      if (text.trim() === '') return {};
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw new FakeApiError(400, 'json_error', 'request body must be a JSON object');
        }
        return parsed as Record<string, unknown>;
      } catch (err) {
        if (err instanceof FakeApiError) throw err;
        throw new FakeApiError(400, 'json_error', 'request body is not valid JSON');
      }
    };
    const list = (items: unknown[], key: string): [number, unknown, string] => {
      const { body, link } = paginate(items, key, url, base);
      return [200, body, link];
    };
    const notFound = (): never => {
      throw new FakeApiError(404, 'not_found', `${method} ${path} is not a known endpoint`);
    };
    if (collection === 'storage_boxes')
      return storageBoxRoute(method, parts, url.searchParams, readJson, notFound);
    if (id !== undefined && !Number.isInteger(id)) notFound();

    switch (collection) {
      case 'servers':
        if (id === undefined) {
          if (method === 'GET')
            return list(
              model.listServers(url.searchParams).map((s) => model.serverShape(s)),
              'servers',
            );
          if (method === 'POST') return [201, model.createServer(await readJson())];
        } else if (sub === undefined) {
          if (method === 'GET') return [200, { server: model.serverShape(model.getServer(id)) }];
          if (method === 'DELETE') return [200, model.deleteServer(id)];
          if (method === 'PUT') {
            const server = model.updateServer(id, await readJson());
            return [200, { server: model.serverShape(server) }];
          }
        } else if (sub === 'actions' && command === undefined && method === 'GET') {
          return list(model.serverActions(id, url.searchParams.getAll('status')), 'actions');
        } else if (sub === 'actions' && command !== undefined && method === 'POST') {
          return [201, model.serverAction(id, command, await readJson())];
        }
        return notFound();
      case 'actions':
        if (method !== 'GET') return notFound();
        if (id !== undefined) return [200, { action: model.actionShape(model.getAction(id)) }];
        {
          const ids = url.searchParams.getAll('id').map(Number);
          if (ids.length === 0) {
            throw new FakeApiError(
              422,
              'invalid_input',
              'listing actions needs at least one id query parameter',
            );
          }
          const found = ids
            .filter((i) => model.actions.get(i)?.api === 'cloud')
            .map((i) => model.actionShape(model.getAction(i)));
          return list(found, 'actions');
        }
      case 'firewalls':
        if (id === undefined) {
          if (method === 'GET') {
            return list(
              model.listFirewalls(url.searchParams).map((f) => model.firewallShape(f)),
              'firewalls',
            );
          }
          if (method === 'POST') return [201, model.createFirewall(await readJson())];
        } else if (sub === undefined) {
          if (method === 'GET') return [200, { firewall: model.firewallShape(model.getFirewall(id)) }];
          if (method === 'DELETE') {
            model.deleteFirewall(id);
            return [204, undefined];
          }
        } else if (sub === 'actions' && command !== undefined && method === 'POST') {
          return [201, model.firewallAction(id, command, await readJson())];
        }
        return notFound();
      case 'ssh_keys':
        if (id === undefined && method === 'POST') return [201, { ssh_key: createSshKey(await readJson()) }];
        if (id === undefined && method === 'GET') return list(byName([...sshKeys.values()], url), 'ssh_keys');
        if (id !== undefined && sub === undefined && method === 'DELETE') {
          if (!sshKeys.delete(id))
            throw new FakeApiError(404, 'not_found', `ssh_key with ID '${id}' not found`);
          return [204, undefined];
        }
        return notFound();
      case 'server_types':
      case 'locations':
      case 'images':
      case 'datacenters': {
        if (method !== 'GET') return notFound();
        let items: Record<string, unknown>[] =
          collection === 'server_types'
            ? serverTypeShapes()
            : collection === 'locations'
              ? locationShapes()
              : collection === 'images'
                ? imageShapes()
                : collection === 'datacenters'
                  ? locationShapes().map((l) => datacenterShape(String(l.name)))
                  : [];
        if (collection === 'images') {
          const arch = url.searchParams.get('architecture');
          if (arch !== null) items = items.filter((i) => i.architecture === arch);
        }
        const singular = collection === 'server_types' ? 'server_type' : collection.replace(/s$/, '');
        if (id !== undefined) {
          const item = items.find((i) => i.id === id);
          if (!item || sub !== undefined) {
            throw new FakeApiError(404, 'not_found', `${singular} with ID '${id}' not found`);
          }
          return [200, { [singular]: item }];
        }
        return list(byName(items, url), collection);
      }
      default:
        return notFound();
    }
  }

  /** The Hetzner API's `/storage_boxes` paths the fake serves (CONFORMANCE.md, "Storage Box API"). */
  async function storageBoxRoute(
    method: string,
    parts: string[],
    query: URLSearchParams,
    readJson: () => Promise<Record<string, unknown>>,
    notFound: () => never,
  ): Promise<[number, unknown]> {
    const [, boxText, sub, subText, actions, command, ...rest] = parts;
    const num = (text: string | undefined): number => {
      const n = Number(text);
      return Number.isInteger(n) && n > 0 ? n : notFound();
    };
    if (rest.length > 0) return notFound();
    if (boxText === 'actions' && sub !== undefined && subText === undefined && method === 'GET') {
      return [200, { action: model.actionShape(model.getAction(num(sub), 'storage_box')) }];
    }
    if (boxText !== undefined && sub === undefined && method === 'GET') {
      return [200, { storage_box: boxes.boxShape(num(boxText)) }];
    }
    if (
      boxText !== undefined &&
      sub === 'actions' &&
      subText === 'update_access_settings' &&
      actions === undefined &&
      method === 'POST'
    ) {
      return [201, boxes.updateAccessSettings(num(boxText), await readJson())];
    }
    if (boxText === undefined || sub !== 'subaccounts') return notFound();
    const boxId = num(boxText);
    if (subText === undefined) {
      if (method === 'GET') {
        return [200, { subaccounts: boxes.list(boxId, query).map((s) => boxes.shape(s)) }];
      }
      if (method === 'POST') return [201, boxes.create(boxId, await readJson())];
      return notFound();
    }
    const subId = num(subText);
    if (actions === undefined) {
      if (method === 'GET') return [200, { subaccount: boxes.shape(boxes.get(boxId, subId)) }];
      if (method === 'DELETE') return [201, boxes.delete(boxId, subId)];
      return notFound();
    }
    if (actions === 'actions' && command === 'reset_subaccount_password' && method === 'POST') {
      return [201, { ...boxes.resetPassword(boxId, subId, await readJson()) }];
    }
    return notFound();
  }

  function send(
    res: ServerResponse,
    status: number,
    body: unknown,
    extra: Record<string, string> = {},
  ): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...bucket.headers(now()),
      ...extra,
      ...(text !== '' ? { 'Content-Type': 'application/json' } : {}),
      'Content-Length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }

  function sendError(
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    details: unknown,
  ): void {
    send(res, status, { error: { code, message, details } });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname.replace(/^\/v1/, '');
    const kind = callKind(method, path);
    const record = (status: number): void => {
      calls.push({ method, path, query: url.search, kind, status });
    };
    model.tick();

    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    const readOnly = options.readOnlyTokens?.includes(token) === true;
    if (token === '' || (!readOnly && options.token !== undefined && token !== options.token)) {
      record(401);
      sendError(res, 401, 'unauthorized', 'unable to authenticate', null);
      return;
    }
    if (readOnly && method !== 'GET') {
      record(401);
      sendError(res, 401, 'token_readonly', 'The token is only allowed to perform GET requests', null);
      return;
    }
    if (!bucket.take(now())) {
      record(429);
      sendError(res, 429, 'rate_limit_exceeded', 'limit of 3600 requests per hour reached', null);
      return;
    }
    const fault = faults.takeRequestFault(kind);
    if (fault?.kind === 'hang') {
      record(0);
      return; // never answered; close() destroys the socket
    }
    if (fault?.kind === 'error') {
      const code = fault.code ?? DEFAULT_ERROR_CODES[fault.status] ?? 'server_error';
      record(fault.status);
      if (fault.html) {
        const text = `<html><body><h1>${fault.status}</h1></body></html>`;
        res.writeHead(fault.status, { 'Content-Type': 'text/html', 'Content-Length': String(text.length) });
        res.end(text);
      } else {
        sendError(res, fault.status, code, `injected fault: ${code}`, null);
      }
      return;
    }
    try {
      const [status, body, link] = await route(method, url, req);
      if (fault?.kind === 'lose_response') {
        record(504);
        sendError(res, 504, 'timeout', 'gateway timeout (injected lost response)', null);
        return;
      }
      record(status);
      send(res, status, body, link !== undefined ? { Link: link } : {});
    } catch (err) {
      if (err instanceof FakeApiError) {
        record(err.status);
        sendError(res, err.status, err.code, err.message, err.details);
        return;
      }
      record(500);
      sendError(res, 500, 'server_error', 'internal error in the fake', null);
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  return {
    url: `${base}/v1`,
    hetznerUrl: `${base}/v1`,
    subaccountPassword: (id) => {
      model.tick();
      return boxes.subaccounts.get(id)?.password;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
    state: () => {
      model.tick();
      return {
        servers: [...model.servers.values()]
          .sort((a, b) => a.id - b.id)
          .map((s) => ({
            id: s.id,
            name: s.name,
            status: s.status,
            server_type: s.server_type,
            location: s.location,
            labels: { ...s.labels },
            image: s.image,
            user_data: s.user_data,
            user_data_bytes: s.user_data === undefined ? 0 : Buffer.byteLength(s.user_data),
            firewall_ids: [...s.firewall_ids],
          })),
        firewalls: [...model.firewalls.values()]
          .sort((a, b) => a.id - b.id)
          .map((f) => model.firewallShape(f)),
        actions: [...model.actions.values()]
          .filter((a) => a.api === 'cloud')
          .sort((a, b) => a.id - b.id)
          .map((a) => model.actionShape(a)),
        subaccounts: [...boxes.subaccounts.values()].sort((a, b) => a.id - b.id).map((s) => boxes.shape(s)),
        storageBoxDirectories: Object.fromEntries(
          (options.storageBoxes ?? []).map((b) => [b.id, boxes.directories(b.id)]),
        ),
      };
    },
    inject,
    calls: () => [...calls],
    onServerCreated: (h) => {
      hook = h;
    },
    onServerRebuilt: (h) => {
      rebuiltHook = h;
    },
  };
}
