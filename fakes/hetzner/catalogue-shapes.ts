/**
 * API shapes of server types, locations, datacenters and images for the fake, built from
 * supafleet's catalogue (core/catalogue/hetzner.json) so prices and locations agree.
 */
import { catalogue } from '../../core/catalogue/catalogue.ts';

const LOCATION_IDS: Record<string, number> = { fsn1: 1, nbg1: 2, hel1: 3, ash: 4, hil: 5, sin: 6 };
const COORDS: Record<string, [number, number]> = {
  fsn1: [50.47612, 12.370071],
  nbg1: [49.452102, 11.076665],
  hel1: [60.169855, 24.938379],
  ash: [39.045821, -77.487073],
  hil: [45.54222, -122.951924],
  sin: [1.283333, 103.833333],
};

export function locationShapes(): Record<string, unknown>[] {
  return Object.keys(catalogue.locations)
    .sort((a, b) => (LOCATION_IDS[a] ?? 99) - (LOCATION_IDS[b] ?? 99))
    .map((name, i) => {
      const loc = catalogue.locations[name]!;
      const [latitude, longitude] = COORDS[name] ?? [0, 0];
      return {
        id: LOCATION_IDS[name] ?? 100 + i,
        name,
        description: `${loc.city} DC Park 1`,
        country: loc.country,
        city: loc.city,
        latitude,
        longitude,
        network_zone: loc.network_zone,
      };
    });
}

export function locationShape(name: string): Record<string, unknown> | undefined {
  return locationShapes().find((l) => l.name === name);
}

export function datacenterShape(location: string): Record<string, unknown> {
  const loc = locationShape(location)!;
  return {
    id: loc.id as number,
    name: `${location}-dc${(loc.id as number) + 1}`,
    description: `${loc.city as string} DC${(loc.id as number) + 1}`,
    location: loc,
    server_types: { supported: [], available: [], available_for_migration: [] },
  };
}

function money(n: number): { net: string; gross: string } {
  return { net: n.toFixed(10), gross: (n * 1.19).toFixed(10) };
}

export function serverTypeShapes(): Record<string, unknown>[] {
  return Object.keys(catalogue.server_types)
    .sort()
    .map((name, i) => {
      const t = catalogue.server_types[name]!;
      return {
        id: i + 1,
        name,
        description: name.toUpperCase(),
        cores: t.cores,
        memory: t.memory_gb,
        disk: t.disk_gb,
        deprecated: false,
        deprecation: null,
        prices: [...t.locations].sort().map((location) => ({
          location,
          price_hourly: money(Math.round((t.price_monthly / 730) * 10000) / 10000),
          price_monthly: money(t.price_monthly),
          included_traffic: 21990232555520,
          price_per_tb_traffic: money(1),
        })),
        storage_type: 'local',
        cpu_type: t.cpu_type,
        architecture: t.architecture,
        included_traffic: 21990232555520,
        locations: [...t.locations].sort().map((location) => ({
          id: LOCATION_IDS[location] ?? 0,
          name: location,
          deprecation: null,
        })),
      };
    });
}

export function serverTypeShape(name: string): Record<string, unknown> | undefined {
  return serverTypeShapes().find((t) => t.name === name);
}

const IMAGES: [number, string, string, string][] = [
  [114690387, 'debian-12', 'debian', '12'],
  [67794396, 'ubuntu-22.04', 'ubuntu', '22.04'],
  [161547269, 'ubuntu-24.04', 'ubuntu', '24.04'],
];

export function imageShapes(): Record<string, unknown>[] {
  return IMAGES.flatMap(([id, name, flavor, version]) =>
    (['x86', 'arm'] as const).map((architecture) => ({
      id: architecture === 'x86' ? id : id + 1,
      type: 'system',
      status: 'available',
      name,
      description: `${flavor === 'ubuntu' ? 'Ubuntu' : 'Debian'} ${version}`,
      image_size: null,
      disk_size: 5,
      created: '2024-01-01T00:00:00+00:00',
      created_from: null,
      bound_to: null,
      os_flavor: flavor,
      os_version: version,
      rapid_deploy: true,
      protection: { delete: false },
      deprecated: null,
      deleted: null,
      labels: {},
      architecture,
    })),
  );
}
