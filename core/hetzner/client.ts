/**
 * Typed Hetzner Cloud client for what supafleet needs: servers, actions, firewalls,
 * server types and locations. Creates are idempotent (look up by labels first; a
 * `uniqueness_error` means the server exists) and deletes refuse any server that does
 * not carry the fleet's labels.
 */
import { formatSelector } from './label-selector.ts';
import { HetznerActionError, HetznerApiError, HetznerRefusedError, mayHaveBeenServed } from './errors.ts';
import { Secret } from '../seal/secret.ts';
import { HetznerTransport, type TransportOptions } from './http.ts';
import type {
  Action,
  ActionStatus,
  CreateFirewallRequest,
  CreateServerRequest,
  CreateServerResponse,
  Firewall,
  FirewallResource,
  FirewallRule,
  Location,
  RebuildServerRequest,
  RebuildServerResponse,
  Server,
  ServerType,
} from './types.ts';
import {
  FIREWALL_ROLE,
  LABEL_FLEET,
  LABEL_PROJECT,
  LABEL_ROLE,
  firewallLabels,
  fleetSelector,
  fleetWorkersSelector,
  hasFleetLabels,
  workerFirewallName,
  type ServerRole,
} from '../naming/labels.ts';

/** Hetzner's user_data limit, in UTF-8 bytes. */
export const USER_DATA_LIMIT = 32 * 1024;

export interface HetznerClientOptions extends TransportOptions {
  /** Time between two polls of one action; never below 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Give up waiting for an action after this long (default 10 minutes). */
  readonly actionTimeoutMs?: number;
}

/** Which fleet resources a guarded call may touch. */
export interface FleetGuard {
  readonly fleet: string;
  readonly project?: string;
  /** Required, so a worker guard can never match the master (or the other way round). */
  readonly role: ServerRole;
}

/** The outcome of {@link HetznerClient.ensureServer}. */
export interface EnsureServerResult {
  readonly server: Server;
  /** True when this call created the server. */
  readonly created: boolean;
  /** The create action, when this call created the server. */
  readonly action?: Action;
}

/** The outcome of {@link HetznerClient.rebuildServer}. */
export interface RebuildServerResult {
  /** The `rebuild_server` action, to wait for. */
  readonly action: Action;
  /** The new root password Hetzner returns for servers without SSH keys. Never log it. */
  readonly rootPassword?: Secret;
  /**
   * True when the answer to this call's request was lost and its retry found the rebuild
   * that request had started, instead of starting a second one.
   */
  readonly resumed: boolean;
}

const POLL_FLOOR_MS = 1000;

function describeGuard(guard: FleetGuard): string {
  return [
    `${LABEL_FLEET}=${guard.fleet}`,
    `${LABEL_PROJECT}=${guard.project ?? '*'}`,
    `${LABEL_ROLE}=${guard.role}`,
  ].join(', ');
}

function sameRules(a: readonly FirewallRule[], b: readonly FirewallRule[]): boolean {
  const norm = (rules: readonly FirewallRule[]): string =>
    JSON.stringify(
      rules
        .map((r) => ({
          direction: r.direction,
          protocol: r.protocol,
          port: r.port ?? null,
          source_ips: [...(r.source_ips ?? [])].sort(),
          destination_ips: [...(r.destination_ips ?? [])].sort(),
          description: r.description ?? null,
        }))
        .map((r) => JSON.stringify(r))
        .sort(),
    );
  return norm(a) === norm(b);
}

export class HetznerClient {
  private readonly http: HetznerTransport;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pollIntervalMs: number;
  private readonly actionTimeoutMs: number;

  constructor(options: HetznerClientOptions) {
    this.http = new HetznerTransport(options);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.pollIntervalMs = Math.max(POLL_FLOOR_MS, options.pollIntervalMs ?? POLL_FLOOR_MS);
    this.actionTimeoutMs = options.actionTimeoutMs ?? 10 * 60_000;
  }

  /** Requests made so far by kind, retries included (`GET /actions/{id}` are the polls). */
  calls(): Record<string, number> {
    return this.http.calls();
  }

  resetCalls(): void {
    this.http.resetCalls();
  }

  // ---- servers ----

  /** `POST /servers`. Checks the user_data budget before calling. Prefer {@link ensureServer}. */
  async createServer(request: CreateServerRequest): Promise<CreateServerResponse> {
    if (request.user_data !== undefined) {
      const bytes = Buffer.byteLength(request.user_data, 'utf8');
      if (bytes > USER_DATA_LIMIT) {
        throw new Error(
          `user_data for server "${request.name}" is ${bytes} bytes; Hetzner accepts at most ${USER_DATA_LIMIT}`,
        );
      }
    }
    return this.http.request<CreateServerResponse>('POST', '/servers', { body: request });
  }

  /** `GET /servers/{id}`; undefined when the server does not exist. */
  async getServer(id: number): Promise<Server | undefined> {
    try {
      return (await this.http.request<{ server: Server }>('GET', `/servers/${id}`)).server;
    } catch (err) {
      if (err instanceof HetznerApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** `GET /servers` through every page, filtered by label selector and/or name. */
  async listServers(filter: { labelSelector?: string; name?: string } = {}): Promise<Server[]> {
    return this.http.list<Server>('/servers', 'servers', {
      label_selector: filter.labelSelector,
      name: filter.name,
    });
  }

  /** Every server carrying `supafleet/fleet=<fleet>` (master, workers, strays): the planner's input. */
  async listFleetServers(fleet: string): Promise<Server[]> {
    return this.listServers({ labelSelector: fleetSelector(fleet) });
  }

  /** The fleet's worker servers. */
  async listFleetWorkers(fleet: string): Promise<Server[]> {
    return this.listServers({ labelSelector: fleetWorkersSelector(fleet) });
  }

  /**
   * Creates the server unless one carrying the same labels exists. A `uniqueness_error`
   * (a retried create, or a name taken) is answered by looking the server up by its labels;
   * a server holding the name without the labels is not ours, and the call fails.
   */
  async ensureServer(request: CreateServerRequest, guard: FleetGuard): Promise<EnsureServerResult> {
    if (!hasFleetLabels(request.labels, guard)) {
      throw new HetznerRefusedError(
        `refusing to create server "${request.name}": its labels must include ${describeGuard(guard)}`,
      );
    }
    const selector = formatSelector(request.labels);
    const existing = await this.findOne(selector, request.name);
    if (existing) return { server: existing, created: false };
    try {
      const created = await this.createServer(request);
      return { server: created.server, created: true, action: created.action };
    } catch (err) {
      if (!(err instanceof HetznerApiError) || err.code !== 'uniqueness_error') throw err;
      const found = await this.findOne(selector, request.name);
      if (found) return { server: found, created: false };
      throw new HetznerRefusedError(
        `server name "${request.name}" is taken by a server without the labels ${selector}; ` +
          'rename or delete that server in the Hetzner console',
        { cause: err },
      );
    }
  }

  private async findOne(selector: string, name: string): Promise<Server | undefined> {
    const servers = await this.listServers({ labelSelector: selector });
    if (servers.length > 1) {
      const ids = servers.map((s) => s.id).join(', ');
      throw new HetznerRefusedError(
        `several servers carry the labels ${selector} (ids ${ids}); expected one`,
      );
    }
    const server = servers[0];
    if (server && server.name !== name) {
      throw new HetznerRefusedError(
        `server ${server.id} carries the labels ${selector} but is named "${server.name}"; expected "${name}"`,
      );
    }
    return server;
  }

  /**
   * Deletes a server after checking it carries the fleet's labels (fleet, project, role);
   * refuses otherwise. Resolves to undefined when the server is already gone.
   */
  async deleteServer(id: number, guard: FleetGuard): Promise<Action | undefined> {
    const server = await this.getServer(id);
    if (!server) return undefined;
    this.checkGuard(server, guard, 'delete');
    return (await this.http.request<{ action: Action }>('DELETE', `/servers/${id}`)).action;
  }

  /** Deletes every server matching the guard's labels (found by label selector). */
  async deleteLabelledServers(guard: FleetGuard & { project: string }): Promise<Action[]> {
    const selector = formatSelector({
      [LABEL_FLEET]: guard.fleet,
      [LABEL_PROJECT]: guard.project,
      [LABEL_ROLE]: guard.role,
    });
    const actions: Action[] = [];
    for (const server of await this.listServers({ labelSelector: selector })) {
      this.checkGuard(server, guard, 'delete');
      actions.push((await this.http.request<{ action: Action }>('DELETE', `/servers/${server.id}`)).action);
    }
    return actions;
  }

  /** `POST /servers/{id}/actions/change_type` (the server must be off). Guarded like delete. */
  async changeServerType(
    id: number,
    serverType: string,
    options: { upgradeDisk: boolean; guard: FleetGuard },
  ): Promise<Action> {
    const server = await this.getServer(id);
    if (!server) throw new Error(`cannot change the type of server ${id}: it does not exist`);
    this.checkGuard(server, options.guard, 'change the type of');
    const body = { server_type: serverType, upgrade_disk: options.upgradeDisk };
    return (
      await this.http.request<{ action: Action }>('POST', `/servers/${id}/actions/change_type`, { body })
    ).action;
  }

  /**
   * `POST /servers/{id}/actions/rebuild`: Hetzner powers the server off, wipes its disk and
   * installs `image`; the server keeps its id, name, labels and IPs, and `user_data`, when
   * given, replaces the stored one. Guarded like delete, and checks the user_data budget
   * before any call. A rebuild is not repeatable like a create keyed by name, so when the
   * answer to the request may have been lost (network error, 502, 504) and its retry meets
   * `locked`, the rebuild that request started is looked up among the server's running
   * actions and returned (`resumed`) rather than failing or rebuilding twice.
   */
  async rebuildServer(
    id: number,
    request: RebuildServerRequest,
    guard: FleetGuard,
  ): Promise<RebuildServerResult> {
    if (request.image.trim() === '') {
      throw new Error(`cannot rebuild server ${id}: image is empty; expected a name such as ubuntu-24.04`);
    }
    if (request.user_data !== undefined) {
      const bytes = Buffer.byteLength(request.user_data, 'utf8');
      if (bytes > USER_DATA_LIMIT) {
        throw new Error(
          `user_data for rebuilding server ${id} is ${bytes} bytes; Hetzner accepts at most ${USER_DATA_LIMIT}`,
        );
      }
    }
    const server = await this.getServer(id);
    if (!server) throw new Error(`cannot rebuild server ${id}: it does not exist`);
    this.checkGuard(server, guard, 'rebuild');
    let unsure = false;
    try {
      const answer = await this.http.request<RebuildServerResponse>(
        'POST',
        `/servers/${id}/actions/rebuild`,
        {
          body: request,
          onRetry: (failure) => {
            if (mayHaveBeenServed(failure)) unsure = true;
          },
        },
      );
      return {
        action: answer.action,
        ...(answer.root_password ? { rootPassword: new Secret(answer.root_password) } : {}),
        resumed: false,
      };
    } catch (err) {
      if (!(err instanceof HetznerApiError) || err.code !== 'locked') throw err;
      if (unsure) {
        const running = await this.listServerActions(id, { status: 'running' });
        const started = running.filter((a) => a.command === 'rebuild_server').sort((a, b) => b.id - a.id)[0];
        if (started) return { action: started, resumed: true };
      }
      throw new HetznerRefusedError(
        `cannot rebuild server ${id} ("${server.name}"): it is locked by another running action; ` +
          'wait for that action to finish, then run again',
        { cause: err },
      );
    }
  }

  /** `GET /servers/{id}/actions` through every page, optionally only those with this status. */
  async listServerActions(id: number, filter: { status?: ActionStatus } = {}): Promise<Action[]> {
    return this.http.list<Action>(`/servers/${id}/actions`, 'actions', { status: filter.status });
  }

  /** `POST /servers/{id}/actions/poweroff` or `poweron`. */
  async power(id: number, state: 'on' | 'off'): Promise<Action> {
    return (await this.http.request<{ action: Action }>('POST', `/servers/${id}/actions/power${state}`))
      .action;
  }

  private checkGuard(server: Server, guard: FleetGuard, verb: string): void {
    if (!hasFleetLabels(server.labels, guard)) {
      throw new HetznerRefusedError(
        `refusing to ${verb} server ${server.id} ("${server.name}"): it does not carry the labels ` +
          describeGuard(guard),
      );
    }
  }

  // ---- actions ----

  /** `GET /actions/{id}` (never the removed `GET /actions` without ids). */
  async getAction(id: number): Promise<Action> {
    return (await this.http.request<{ action: Action }>('GET', `/actions/${id}`)).action;
  }

  /**
   * Polls an action at least a second apart until it succeeds; throws a
   * {@link HetznerActionError} when it ends in `error` or the timeout passes.
   */
  async waitForAction(
    action: Action | number,
    options: { timeoutMs?: number; onProgress?: (a: Action) => void } = {},
  ): Promise<Action> {
    let current = typeof action === 'number' ? await this.getAction(action) : action;
    const timeoutMs = options.timeoutMs ?? this.actionTimeoutMs;
    const deadline = this.now() + timeoutMs;
    const maxPolls = Math.ceil(timeoutMs / this.pollIntervalMs) + 1;
    for (let poll = 0; current.status === 'running'; poll++) {
      if (poll >= maxPolls || this.now() >= deadline) {
        throw new HetznerActionError(
          current.id,
          current.command,
          'timeout',
          `still running after ${Math.round(timeoutMs / 1000)} s (progress ${current.progress}%)`,
        );
      }
      await this.sleep(this.pollIntervalMs);
      current = await this.getAction(current.id);
      options.onProgress?.(current);
    }
    if (current.status === 'error') {
      throw new HetznerActionError(
        current.id,
        current.command,
        current.error?.code ?? 'action_failed',
        current.error?.message ?? 'no message',
      );
    }
    return current;
  }

  // ---- firewalls ----

  async createFirewall(request: CreateFirewallRequest): Promise<{ firewall: Firewall; actions: Action[] }> {
    return this.http.request('POST', '/firewalls', { body: request });
  }

  async listFirewalls(filter: { labelSelector?: string; name?: string } = {}): Promise<Firewall[]> {
    return this.http.list<Firewall>('/firewalls', 'firewalls', {
      label_selector: filter.labelSelector,
      name: filter.name,
    });
  }

  /** `POST /firewalls/{id}/actions/set_rules` (replaces all rules). */
  async setFirewallRules(id: number, rules: readonly FirewallRule[]): Promise<Action[]> {
    const body = { rules };
    return (
      await this.http.request<{ actions: Action[] }>('POST', `/firewalls/${id}/actions/set_rules`, { body })
    ).actions;
  }

  /** `POST /firewalls/{id}/actions/apply_to_resources`. */
  async applyFirewallToResources(id: number, applyTo: readonly FirewallResource[]): Promise<Action[]> {
    const body = { apply_to: applyTo };
    return (
      await this.http.request<{ actions: Action[] }>('POST', `/firewalls/${id}/actions/apply_to_resources`, {
        body,
      })
    ).actions;
  }

  /**
   * The fleet's one worker firewall, applied by label selector to every worker so new
   * workers are covered without a per-server call. Creates it, or brings its rules and
   * selector up to date; makes no mutating call when both already match.
   */
  async ensureWorkerFirewall(
    fleet: string,
    rules: readonly FirewallRule[],
    raced = false,
  ): Promise<{ firewall: Firewall; actions: Action[]; changed: boolean }> {
    const labels = firewallLabels(fleet);
    const target: FirewallResource = {
      type: 'label_selector',
      label_selector: { selector: fleetWorkersSelector(fleet) },
    };
    const found = await this.listFirewalls({ labelSelector: formatSelector(labels) });
    if (found.length > 1) {
      throw new HetznerRefusedError(
        `several firewalls carry ${LABEL_FLEET}=${fleet},${LABEL_ROLE}=${FIREWALL_ROLE} (ids ` +
          `${found.map((f) => f.id).join(', ')}); expected one`,
      );
    }
    const existing = found[0];
    if (!existing) {
      let created: { firewall: Firewall; actions: Action[] };
      try {
        created = await this.createFirewall({
          name: workerFirewallName(fleet),
          labels,
          rules,
          apply_to: [target],
        });
      } catch (err) {
        if (!(err instanceof HetznerApiError) || err.code !== 'uniqueness_error') throw err;
        // Firewall names are unique: another apply created it between our list and our create
        // (two applies at once), so bring that one up to date instead.
        if (raced) {
          throw new HetznerRefusedError(
            `a firewall named ${workerFirewallName(fleet)} exists but does not carry ` +
              `${formatSelector(labels)}; rename or delete it, or add those labels`,
            { cause: err },
          );
        }
        return this.ensureWorkerFirewall(fleet, rules, true);
      }
      return { firewall: created.firewall, actions: created.actions, changed: true };
    }
    const actions: Action[] = [];
    if (!sameRules(existing.rules, rules)) actions.push(...(await this.setFirewallRules(existing.id, rules)));
    const applied = existing.applied_to.some(
      (r) => r.type === 'label_selector' && r.label_selector.selector === target.label_selector.selector,
    );
    if (!applied) actions.push(...(await this.applyFirewallToResources(existing.id, [target])));
    return { firewall: existing, actions, changed: actions.length > 0 };
  }

  // ---- catalogue ----

  async listServerTypes(): Promise<ServerType[]> {
    return this.http.list<ServerType>('/server_types', 'server_types');
  }

  async listLocations(): Promise<Location[]> {
    return this.http.list<Location>('/locations', 'locations');
  }

  // ---- SSH keys (the token-scope probe) ----

  /** `GET /ssh_keys` through every page, filtered by name. */
  async listSshKeys(filter: { name?: string } = {}): Promise<SshKey[]> {
    return this.http.list<SshKey>('/ssh_keys', 'ssh_keys', { name: filter.name });
  }

  /** `POST /ssh_keys`. */
  async createSshKey(request: {
    readonly name: string;
    readonly public_key: string;
    readonly labels?: Readonly<Record<string, string>>;
  }): Promise<SshKey> {
    return (await this.http.request<{ ssh_key: SshKey }>('POST', '/ssh_keys', { body: request })).ssh_key;
  }

  /** `DELETE /ssh_keys/{id}`. */
  async deleteSshKey(id: number): Promise<void> {
    await this.http.request<unknown>('DELETE', `/ssh_keys/${id}`);
  }
}

/** An SSH key of the Hetzner project (hcloud-go v2.47.0 `schema/ssh_key.go:6-13`). */
export interface SshKey {
  readonly id: number;
  readonly name: string;
  readonly fingerprint: string;
  readonly public_key: string;
  readonly labels: Readonly<Record<string, string>>;
}
