/**
 * The subset of Hetzner Cloud API shapes supafleet reads and writes. Field names follow
 * the API (snake_case); fields supafleet does not use are left out, so the types document
 * exactly what the code depends on.
 */

export type Labels = Record<string, string>;

export type ServerStatus =
  | 'running'
  | 'initializing'
  | 'starting'
  | 'stopping'
  | 'off'
  | 'deleting'
  | 'migrating'
  | 'rebuilding'
  | 'unknown';

export interface Price {
  readonly location: string;
  readonly price_hourly: { readonly net: string; readonly gross: string };
  readonly price_monthly: { readonly net: string; readonly gross: string };
}

export interface ServerType {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly cores: number;
  readonly memory: number;
  readonly disk: number;
  readonly cpu_type: 'shared' | 'dedicated';
  readonly architecture: 'x86' | 'arm';
  readonly storage_type: 'local' | 'network';
  readonly deprecated: boolean | null;
  readonly prices: readonly Price[];
  readonly locations?: readonly {
    readonly id: number;
    readonly name: string;
    readonly deprecation: unknown;
  }[];
}

export interface Location {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly country: string;
  readonly city: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly network_zone: string;
}

export interface Server {
  readonly id: number;
  readonly name: string;
  readonly status: ServerStatus;
  readonly created: string;
  readonly labels: Labels;
  readonly server_type: ServerType;
  readonly datacenter: { readonly id: number; readonly name: string; readonly location: Location };
  readonly public_net: {
    readonly ipv4: { readonly id: number; readonly ip: string; readonly blocked: boolean } | null;
    readonly ipv6: { readonly id: number; readonly ip: string; readonly blocked: boolean } | null;
    readonly firewalls: readonly { readonly id: number; readonly status: 'applied' | 'pending' }[];
  };
  readonly locked: boolean;
}

export type ActionStatus = 'running' | 'success' | 'error';

export interface Action {
  readonly id: number;
  readonly command: string;
  readonly status: ActionStatus;
  readonly progress: number;
  readonly started: string;
  readonly finished: string | null;
  readonly resources: readonly { readonly id: number; readonly type: string }[];
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface FirewallRule {
  readonly direction: 'in' | 'out';
  readonly protocol: 'tcp' | 'udp' | 'icmp' | 'esp' | 'gre';
  readonly port?: string | null;
  readonly source_ips?: readonly string[];
  readonly destination_ips?: readonly string[];
  readonly description?: string | null;
}

export type FirewallResource =
  | { readonly type: 'server'; readonly server: { readonly id: number } }
  | { readonly type: 'label_selector'; readonly label_selector: { readonly selector: string } };

export interface Firewall {
  readonly id: number;
  readonly name: string;
  readonly labels: Labels;
  readonly created: string;
  readonly rules: readonly FirewallRule[];
  readonly applied_to: readonly FirewallResource[];
}

export interface Pagination {
  readonly page: number;
  readonly per_page: number;
  readonly previous_page: number | null;
  readonly next_page: number | null;
  readonly last_page: number | null;
  readonly total_entries: number | null;
}

/** `POST /servers` body (the fields supafleet sends). */
export interface CreateServerRequest {
  readonly name: string;
  readonly server_type: string;
  readonly image: string;
  readonly location?: string;
  readonly labels: Labels;
  readonly user_data?: string;
  readonly ssh_keys?: readonly (string | number)[];
  readonly firewalls?: readonly { readonly firewall: number }[];
  readonly public_net?: { readonly enable_ipv4: boolean; readonly enable_ipv6: boolean };
  readonly start_after_create?: boolean;
}

/** `POST /servers` 201 body. */
export interface CreateServerResponse {
  readonly server: Server;
  readonly action: Action;
  readonly next_actions: readonly Action[];
  readonly root_password: string | null;
}

/** `POST /servers/{id}/actions/rebuild` body. */
export interface RebuildServerRequest {
  /** Image name or id, e.g. `ubuntu-24.04`. */
  readonly image: string;
  /** Replaces the server's stored user_data when given; the old one is kept otherwise. */
  readonly user_data?: string;
}

/** `POST /servers/{id}/actions/rebuild` 201 body. */
export interface RebuildServerResponse {
  /** `rebuild_server`, running. */
  readonly action: Action;
  /** A new root password for servers created without SSH keys, else null. */
  readonly root_password: string | null;
}

/** `POST /firewalls` body. */
export interface CreateFirewallRequest {
  readonly name: string;
  readonly labels: Labels;
  readonly rules: readonly FirewallRule[];
  readonly apply_to?: readonly FirewallResource[];
}

/** Error body of every failed call. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}
