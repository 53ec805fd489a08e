import catalogueJson from './hetzner.json' with { type: 'json' };

/** One Hetzner server type as supafleet knows it. */
export interface ServerType {
  readonly cpu_type: 'shared' | 'dedicated';
  readonly cores: number;
  readonly memory_gb: number;
  readonly disk_gb: number;
  readonly architecture: 'x86' | 'arm';
  /** Monthly price, net, in the catalogue's currency. */
  readonly price_monthly: number;
  readonly locations: readonly string[];
}

/** One Hetzner location. */
export interface Location {
  readonly city: string;
  readonly country: string;
  readonly network_zone: string;
}

/** The Hetzner catalogue (core/catalogue/hetzner.json): types, locations and prices. */
export interface Catalogue {
  readonly updated: string;
  readonly currency: string;
  readonly locations: Readonly<Record<string, Location>>;
  readonly server_types: Readonly<Record<string, ServerType>>;
}

export const catalogue: Catalogue = catalogueJson as Catalogue;

/** The server type by name, or undefined when the catalogue does not know it. */
export function serverType(name: string): ServerType | undefined {
  return Object.hasOwn(catalogue.server_types, name) ? catalogue.server_types[name] : undefined;
}

/** Known server type names, sorted. */
export function serverTypeNames(): string[] {
  return Object.keys(catalogue.server_types).sort();
}

/** Known location names, sorted. */
export function locationNames(): string[] {
  return Object.keys(catalogue.locations).sort();
}
