/**
 * The fake's in-memory Hetzner project: servers, actions, firewalls. Actions progress
 * from `running` to `success` (or `error` when a fault asks) over `actionDurationMs` of
 * the injected clock; their effects (a server turning `running`, a new server type)
 * land when they finish.
 */
import { randomBytes } from 'node:crypto';
import { labelKeyProblem, labelValueProblem } from '../../core/naming/labels.ts';
import { matchesSelector, parseSelector } from '../../core/hetzner/label-selector.ts';
import { datacenterShape, imageShapes, locationShape, serverTypeShape } from './catalogue-shapes.ts';
import type { FaultQueue } from './faults.ts';

/** An API error the HTTP layer turns into `{error: {code, message, details}}`. */
export class FakeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
  }
}

export interface FakeServer {
  id: number;
  name: string;
  status: string;
  created: string;
  labels: Record<string, string>;
  server_type: string;
  location: string;
  image: string;
  user_data: string | undefined;
  /** Created with SSH keys: a rebuild then returns no root password. */
  ssh_keys: boolean;
  firewall_ids: number[];
  ipv4: string;
  ipv6: string;
}

export interface FakeAction {
  id: number;
  command: string;
  startedAt: number;
  fail: { code: string; message: string } | undefined;
  resources: { id: number; type: string }[];
  /** Which API answers for it: the Cloud API (`/actions`) or the Hetzner API (`/storage_boxes/actions`). */
  api: 'cloud' | 'storage_box';
  effect: (() => void) | undefined;
  /** Runs instead of `effect` when the action ends in error. */
  onError: (() => void) | undefined;
  done: boolean;
}

export interface FakeFirewall {
  id: number;
  name: string;
  labels: Record<string, string>;
  created: string;
  rules: Record<string, unknown>[];
  applied_to: Record<string, unknown>[];
}

const USER_DATA_LIMIT = 32 * 1024;
const HOSTNAME =
  /^(?=.{1,63}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

export function invalid(field: string, message: string): FakeApiError {
  return new FakeApiError(422, 'invalid_input', `invalid input in field '${field}'`, {
    fields: [{ name: field, messages: [message] }],
  });
}

export function checkLabels(labels: unknown): Record<string, string> {
  if (labels === undefined || labels === null) return {};
  if (typeof labels !== 'object' || Array.isArray(labels)) throw invalid('labels', 'must be an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    if (typeof v !== 'string') throw invalid('labels', `value of "${k}" must be a string`);
    const problem = labelKeyProblem(k) ?? labelValueProblem(v);
    if (problem) throw invalid('labels', problem);
    out[k] = v;
  }
  return out;
}

function checkUserData(userData: unknown): string | undefined {
  if (userData === undefined || userData === null) return undefined;
  if (typeof userData !== 'string') throw invalid('user_data', 'must be a string');
  if (Buffer.byteLength(userData, 'utf8') > USER_DATA_LIMIT) {
    throw invalid('user_data', `must not be longer than ${USER_DATA_LIMIT} bytes`);
  }
  return userData;
}

/** The image with this name or id built for this server type's architecture. */
function findImage(image: unknown, serverType: string): Record<string, unknown> {
  if (typeof image !== 'string' && typeof image !== 'number') throw invalid('image', 'is required');
  const architecture = serverTypeShape(serverType)?.architecture ?? 'x86';
  const found = imageShapes().find(
    (i) => (i.name === String(image) || String(i.id) === String(image)) && i.architecture === architecture,
  );
  if (!found) throw invalid('image', `image "${String(image)}" not found`);
  return found;
}

export function selectorRequirements(selector: string): ReturnType<typeof parseSelector> {
  try {
    return parseSelector(selector);
  } catch (err) {
    throw new FakeApiError(422, 'invalid_input', (err as Error).message);
  }
}

export interface ModelOptions {
  readonly now: () => number;
  readonly actionDurationMs: number;
  readonly faults: FaultQueue;
  readonly onServerCreated?: (server: Record<string, unknown>, userData: string | undefined) => void;
  /** Called when a rebuild finishes, with the server and the user_data it boots with. */
  readonly onServerRebuilt?: (server: Record<string, unknown>, userData: string | undefined) => void;
  /** Asks for a tick after `ms`, so effects (and the hook) land even when nobody polls. */
  readonly schedule?: (ms: number) => void;
}

export class FakeModel {
  readonly servers = new Map<number, FakeServer>();
  readonly actions = new Map<number, FakeAction>();
  readonly firewalls = new Map<number, FakeFirewall>();
  private nextId = 1000;

  constructor(private readonly options: ModelOptions) {}

  private id(): number {
    return this.nextId++;
  }

  private iso(ms: number): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
  }

  // ---- actions ----

  /** Starts an action; `api` says which API's action endpoints see it (default the Cloud API's). */
  startAction(
    command: string,
    resources: { id: number; type: string }[],
    effect?: () => void,
    onError?: () => void,
    api: FakeAction['api'] = 'cloud',
  ): FakeAction {
    const fault = this.options.faults.takeActionFault(command);
    const action: FakeAction = {
      id: this.id(),
      command,
      startedAt: this.options.now(),
      fail: fault
        ? {
            code: fault.code ?? 'action_failed',
            message: fault.message ?? `${command} failed (injected fault)`,
          }
        : undefined,
      resources,
      api,
      effect,
      onError,
      done: false,
    };
    this.actions.set(action.id, action);
    this.options.schedule?.(this.options.actionDurationMs);
    return action;
  }

  /** Finishes the actions whose time has come and applies their effects. */
  tick(): void {
    const now = this.options.now();
    for (const action of this.actions.values()) {
      if (action.done || now - action.startedAt < this.options.actionDurationMs) continue;
      action.done = true;
      if (action.fail) action.onError?.();
      else action.effect?.();
    }
  }

  actionShape(action: FakeAction, forceRunning = false): Record<string, unknown> {
    const now = this.options.now();
    const duration = this.options.actionDurationMs;
    const finished = !forceRunning && action.done;
    const progress = finished
      ? 100
      : duration === 0
        ? 0
        : Math.min(99, Math.floor(((now - action.startedAt) / duration) * 100));
    return {
      id: action.id,
      command: action.command,
      status: finished ? (action.fail ? 'error' : 'success') : 'running',
      progress,
      started: this.iso(action.startedAt),
      finished: finished ? this.iso(action.startedAt + duration) : null,
      resources: action.resources,
      error: finished && action.fail ? action.fail : null,
    };
  }

  /** The actions touching this server, oldest first, optionally only those with a status. */
  serverActions(id: number, statuses: readonly string[]): Record<string, unknown>[] {
    this.getServer(id);
    return [...this.actions.values()]
      .filter((a) => a.resources.some((r) => r.type === 'server' && r.id === id))
      .sort((a, b) => a.id - b.id)
      .map((a) => this.actionShape(a))
      .filter((a) => statuses.length === 0 || statuses.includes(String(a.status)));
  }

  /** Hetzner answers 423 `locked` while an action runs on the server. */
  private assertUnlocked(server: FakeServer): void {
    const busy = [...this.actions.values()].find(
      (a) => !a.done && a.resources.some((r) => r.type === 'server' && r.id === server.id),
    );
    if (busy) {
      throw new FakeApiError(
        423,
        'locked',
        `server with ID '${server.id}' is locked: action ${busy.id} (${busy.command}) is running`,
      );
    }
  }

  getAction(id: number, api: FakeAction['api'] = 'cloud'): FakeAction {
    const action = this.actions.get(id);
    if (!action || action.api !== api)
      throw new FakeApiError(404, 'not_found', `action with ID '${id}' not found`);
    return action;
  }

  // ---- servers ----

  serverShape(server: FakeServer): Record<string, unknown> {
    const image = imageShapes().find(
      (i) =>
        i.name === server.image &&
        i.architecture === (serverTypeShape(server.server_type)?.architecture ?? 'x86'),
    );
    const selectorFirewalls = [...this.firewalls.values()].filter((f) =>
      f.applied_to.some(
        (r) =>
          r.type === 'label_selector' &&
          matchesSelector(server.labels, parseSelector((r.label_selector as { selector: string }).selector)),
      ),
    );
    const firewallIds = [...new Set([...server.firewall_ids, ...selectorFirewalls.map((f) => f.id)])].sort(
      (a, b) => a - b,
    );
    return {
      id: server.id,
      name: server.name,
      status: server.status,
      created: server.created,
      public_net: {
        ipv4: {
          id: server.id + 1,
          ip: server.ipv4,
          blocked: false,
          dns_ptr: `static.${server.ipv4}.clients.example`,
        },
        ipv6: { id: server.id + 2, ip: `${server.ipv6}/64`, blocked: false, dns_ptr: [] },
        floating_ips: [],
        firewalls: firewallIds.map((id) => ({ id, status: 'applied' })),
      },
      private_net: [],
      server_type: serverTypeShape(server.server_type),
      datacenter: datacenterShape(server.location),
      image: image ?? null,
      iso: null,
      rescue_enabled: false,
      locked: false,
      backup_window: null,
      outgoing_traffic: 0,
      ingoing_traffic: 0,
      included_traffic: 21990232555520,
      protection: { delete: false, rebuild: false },
      labels: server.labels,
      volumes: [],
      load_balancers: [],
      primary_disk_size: (serverTypeShape(server.server_type)?.disk as number | undefined) ?? 20,
      placement_group: null,
    };
  }

  getServer(id: number): FakeServer {
    const server = this.servers.get(id);
    if (!server) throw new FakeApiError(404, 'not_found', `server with ID '${id}' not found`);
    return server;
  }

  listServers(query: URLSearchParams): FakeServer[] {
    const name = query.get('name');
    const selector = query.get('label_selector');
    const statuses = query.getAll('status');
    const reqs = selector !== null ? selectorRequirements(selector) : [];
    return [...this.servers.values()]
      .filter((s) => name === null || s.name === name)
      .filter((s) => statuses.length === 0 || statuses.includes(s.status))
      .filter((s) => matchesSelector(s.labels, reqs))
      .sort((a, b) => a.id - b.id);
  }

  createServer(body: Record<string, unknown>): Record<string, unknown> {
    const name = body.name;
    if (typeof name !== 'string' || name === '') throw invalid('name', 'is required');
    if (!HOSTNAME.test(name)) throw invalid('name', 'must be a valid hostname (RFC 1123)');
    const type = body.server_type;
    if (typeof type !== 'string' && typeof type !== 'number') throw invalid('server_type', 'is required');
    const typeShape = serverTypeShape(String(type));
    if (!typeShape) throw invalid('server_type', `server type "${String(type)}" not found`);
    const imageShape = findImage(body.image, String(typeShape.name));
    const location = body.location === undefined ? 'fsn1' : String(body.location);
    if (!locationShape(location)) throw invalid('location', `location "${location}" not found`);
    const available = (typeShape.locations as { name: string }[]).some((l) => l.name === location);
    if (!available) {
      throw new FakeApiError(
        412,
        'resource_unavailable',
        `server type ${String(type)} is unavailable in ${location}`,
      );
    }
    const userData = checkUserData(body.user_data);
    const labels = checkLabels(body.labels);
    const firewallIds: number[] = [];
    for (const f of (body.firewalls as { firewall?: unknown }[] | undefined) ?? []) {
      const id = Number(f.firewall);
      if (!this.firewalls.has(id)) throw invalid('firewalls', `firewall ${String(f.firewall)} not found`);
      firewallIds.push(id);
    }
    if ([...this.servers.values()].some((s) => s.name === name)) {
      throw new FakeApiError(409, 'uniqueness_error', 'server name is already used', {
        fields: [{ name: 'name' }],
      });
    }
    const id = this.id();
    const n = id % 250;
    const server: FakeServer = {
      id,
      name,
      status: 'initializing',
      created: this.iso(this.options.now()),
      labels,
      server_type: String(typeShape.name),
      location,
      image: String(imageShape.name),
      user_data: userData,
      ssh_keys: Array.isArray(body.ssh_keys) && body.ssh_keys.length > 0,
      firewall_ids: firewallIds,
      ipv4: `203.0.113.${n + 1}`,
      ipv6: `2001:db8:${id.toString(16)}::`,
    };
    this.servers.set(id, server);
    const start = body.start_after_create !== false;
    const resources = [{ id, type: 'server' }];
    const create = this.startAction('create_server', resources, () => {
      const current = this.servers.get(id);
      if (!current) return;
      current.status = start ? 'running' : 'off';
      this.options.onServerCreated?.(this.serverShape(current), current.user_data);
    });
    const next = start ? [this.startAction('start_server', resources)] : [];
    const shape = this.serverShape(server);
    return {
      server: shape,
      action: this.actionShape(create, true),
      next_actions: next.map((a) => this.actionShape(a, true)),
      root_password:
        body.ssh_keys && (body.ssh_keys as unknown[]).length > 0
          ? null
          : randomBytes(12).toString('base64url'),
    };
  }

  /** `PUT /servers/{id}`: replaces the name and/or the whole label set. */
  updateServer(id: number, body: Record<string, unknown>): FakeServer {
    const server = this.getServer(id);
    if (body.name !== undefined) {
      if (typeof body.name !== 'string' || !HOSTNAME.test(body.name)) {
        throw invalid('name', 'must be a valid hostname (RFC 1123)');
      }
      if ([...this.servers.values()].some((s) => s.id !== id && s.name === body.name)) {
        throw new FakeApiError(409, 'uniqueness_error', 'server name is already used', {
          fields: [{ name: 'name' }],
        });
      }
    }
    const labels = body.labels !== undefined ? checkLabels(body.labels) : undefined;
    if (typeof body.name === 'string') server.name = body.name;
    if (labels) server.labels = labels;
    return server;
  }

  deleteServer(id: number): Record<string, unknown> {
    const server = this.getServer(id);
    this.servers.delete(server.id);
    return { action: this.actionShape(this.startAction('delete_server', [{ id, type: 'server' }]), true) };
  }

  serverAction(id: number, command: string, body: Record<string, unknown>): Record<string, unknown> {
    const server = this.getServer(id);
    const resources = [{ id, type: 'server' }];
    switch (command) {
      case 'poweroff':
      case 'shutdown':
        return {
          action: this.actionShape(
            this.startAction(command === 'poweroff' ? 'stop_server' : 'shutdown_server', resources, () => {
              server.status = 'off';
            }),
            true,
          ),
        };
      case 'poweron':
        return {
          action: this.actionShape(
            this.startAction('start_server', resources, () => {
              server.status = 'running';
            }),
            true,
          ),
        };
      case 'rebuild': {
        // Only rebuild checks the lock: the other fake actions predate it, and callers rely on them.
        const image = findImage(body.image, server.server_type);
        const userData = checkUserData(body.user_data);
        this.assertUnlocked(server);
        server.status = 'rebuilding';
        server.image = String(image.name);
        if (userData !== undefined) server.user_data = userData;
        const action = this.startAction(
          'rebuild_server',
          resources,
          () => {
            const current = this.servers.get(id);
            if (!current) return;
            current.status = 'running';
            this.options.onServerRebuilt?.(this.serverShape(current), current.user_data);
          },
          () => {
            // A failed rebuild leaves the server powered off.
            const current = this.servers.get(id);
            if (current) current.status = 'off';
          },
        );
        return {
          action: this.actionShape(action, true),
          root_password: server.ssh_keys ? null : randomBytes(12).toString('base64url'),
        };
      }
      case 'change_type': {
        const type = body.server_type;
        if (typeof type !== 'string') throw invalid('server_type', 'is required');
        const shape = serverTypeShape(type);
        if (!shape) throw invalid('server_type', `server type "${type}" not found`);
        if (server.status !== 'off') {
          throw new FakeApiError(
            422,
            'server_not_stopped',
            'server must be stopped before changing its type',
          );
        }
        if (typeof body.upgrade_disk !== 'boolean') throw invalid('upgrade_disk', 'is required');
        return {
          action: this.actionShape(
            this.startAction('change_server_type', resources, () => {
              server.server_type = type;
            }),
            true,
          ),
        };
      }
      default:
        throw new FakeApiError(404, 'not_found', `server action '${command}' is not supported by the fake`);
    }
  }

  // ---- firewalls ----

  private checkRules(rules: unknown): Record<string, unknown>[] {
    if (rules === undefined) return [];
    if (!Array.isArray(rules)) throw invalid('rules', 'must be a list');
    return rules.map((r: Record<string, unknown>) => {
      if (r.direction !== 'in' && r.direction !== 'out')
        throw invalid('rules', 'direction must be in or out');
      if (!['tcp', 'udp', 'icmp', 'esp', 'gre'].includes(String(r.protocol))) {
        throw invalid('rules', 'protocol must be tcp, udp, icmp, esp or gre');
      }
      if ((r.protocol === 'tcp' || r.protocol === 'udp') && typeof r.port !== 'string') {
        throw invalid('rules', 'port is required for tcp and udp');
      }
      const ips = r.direction === 'in' ? r.source_ips : r.destination_ips;
      if (!Array.isArray(ips) || ips.length === 0) {
        throw invalid('rules', `${r.direction === 'in' ? 'source_ips' : 'destination_ips'} is required`);
      }
      return {
        direction: r.direction,
        protocol: r.protocol,
        port: r.port ?? null,
        source_ips: r.source_ips ?? [],
        destination_ips: r.destination_ips ?? [],
        description: r.description ?? null,
      };
    });
  }

  private checkApplyTo(applyTo: unknown): Record<string, unknown>[] {
    if (applyTo === undefined) return [];
    if (!Array.isArray(applyTo)) throw invalid('apply_to', 'must be a list');
    return applyTo.map((r: Record<string, unknown>) => {
      if (r.type === 'label_selector') {
        const selector = (r.label_selector as { selector?: unknown } | undefined)?.selector;
        if (typeof selector !== 'string') throw invalid('apply_to', 'label_selector.selector is required');
        selectorRequirements(selector);
        return { type: 'label_selector', label_selector: { selector } };
      }
      if (r.type === 'server') {
        const id = Number((r.server as { id?: unknown } | undefined)?.id);
        this.getServer(id);
        return { type: 'server', server: { id } };
      }
      throw invalid('apply_to', 'type must be server or label_selector');
    });
  }

  firewallShape(firewall: FakeFirewall): Record<string, unknown> {
    return {
      id: firewall.id,
      name: firewall.name,
      labels: firewall.labels,
      created: firewall.created,
      rules: firewall.rules,
      applied_to: firewall.applied_to.map((r) =>
        r.type === 'label_selector'
          ? {
              ...r,
              applied_to_resources: this.listServers(
                new URLSearchParams({ label_selector: (r.label_selector as { selector: string }).selector }),
              ).map((s) => ({ type: 'server', server: { id: s.id } })),
            }
          : r,
      ),
    };
  }

  getFirewall(id: number): FakeFirewall {
    const firewall = this.firewalls.get(id);
    if (!firewall) throw new FakeApiError(404, 'not_found', `firewall with ID '${id}' not found`);
    return firewall;
  }

  listFirewalls(query: URLSearchParams): FakeFirewall[] {
    const name = query.get('name');
    const selector = query.get('label_selector');
    const reqs = selector !== null ? selectorRequirements(selector) : [];
    return [...this.firewalls.values()]
      .filter((f) => name === null || f.name === name)
      .filter((f) => matchesSelector(f.labels, reqs))
      .sort((a, b) => a.id - b.id);
  }

  createFirewall(body: Record<string, unknown>): Record<string, unknown> {
    const name = body.name;
    if (typeof name !== 'string' || name === '') throw invalid('name', 'is required');
    const labels = checkLabels(body.labels);
    const rules = this.checkRules(body.rules);
    const applied = this.checkApplyTo(body.apply_to);
    if ([...this.firewalls.values()].some((f) => f.name === name)) {
      throw new FakeApiError(409, 'uniqueness_error', 'firewall name is already used', {
        fields: [{ name: 'name' }],
      });
    }
    const firewall: FakeFirewall = {
      id: this.id(),
      name,
      labels,
      created: this.iso(this.options.now()),
      rules,
      applied_to: applied,
    };
    this.firewalls.set(firewall.id, firewall);
    const actions = [
      this.startAction('set_firewall_rules', [{ id: firewall.id, type: 'firewall' }]),
      ...applied.map(() => this.startAction('apply_firewall', [{ id: firewall.id, type: 'firewall' }])),
    ];
    return { firewall: this.firewallShape(firewall), actions: actions.map((a) => this.actionShape(a, true)) };
  }

  deleteFirewall(id: number): void {
    this.getFirewall(id);
    this.firewalls.delete(id);
  }

  firewallAction(id: number, command: string, body: Record<string, unknown>): Record<string, unknown> {
    const firewall = this.getFirewall(id);
    const resources = [{ id, type: 'firewall' }];
    if (command === 'set_rules') {
      const rules = this.checkRules(body.rules ?? []);
      firewall.rules = rules;
      return { actions: [this.actionShape(this.startAction('set_firewall_rules', resources), true)] };
    }
    if (command === 'apply_to_resources' || command === 'remove_from_resources') {
      const targets = this.checkApplyTo(body.apply_to ?? body.remove_from);
      const key = (r: Record<string, unknown>): string => JSON.stringify(r);
      if (command === 'apply_to_resources') {
        for (const t of targets) {
          if (firewall.applied_to.some((r) => key(r) === key(t))) {
            throw new FakeApiError(
              422,
              'firewall_already_applied',
              'firewall is already applied to this resource',
            );
          }
          firewall.applied_to.push(t);
        }
      } else {
        firewall.applied_to = firewall.applied_to.filter((r) => !targets.some((t) => key(t) === key(r)));
      }
      const cmd = command === 'apply_to_resources' ? 'apply_firewall' : 'remove_firewall';
      return { actions: targets.map(() => this.actionShape(this.startAction(cmd, resources), true)) };
    }
    throw new FakeApiError(404, 'not_found', `firewall action '${command}' is not supported by the fake`);
  }
}
