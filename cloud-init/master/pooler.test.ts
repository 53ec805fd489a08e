/**
 * The master stack's Supavisor (issue 12, B2): its proxy ports public, its management API on
 * loopback for the master API, and the master API holding the secret Supavisor checks.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveFleet } from '../../core/spec/defaults.ts';
import { fleetSpec } from '../test/fixtures/specs.ts';
import { POOLER_PUBLIC_PORTS, SUPAVISOR_API_PORT } from './compose.ts';
import { placeholderMasterSecrets } from './secrets.ts';
import { renderMasterStack } from './stack.ts';

const fleet = resolveFleet(fleetSpec);

function services(): Record<string, Record<string, unknown>> {
  const stack = renderMasterStack({ fleet, secrets: placeholderMasterSecrets() });
  return (
    parse(stack.get('opt/supafleet-master/docker-compose.yml')!) as {
      services: Record<string, Record<string, unknown>>;
    }
  ).services;
}

/** host address (empty: every address) and host port of a compose `ports` entry. */
function published(entry: string): { address: string; port: number } {
  const parts = entry.split(':');
  return parts.length === 3
    ? { address: parts[0]!, port: Number(parts[1]) }
    : { address: '', port: Number(parts[0]) };
}

describe('master Supavisor', () => {
  it('when rendered, then transaction mode (6543) and session mode are published on every address and the API on loopback only', () => {
    const ports = (services().supavisor!.ports as string[]).map(published);
    expect(ports).toEqual([
      { address: '127.0.0.1', port: SUPAVISOR_API_PORT },
      { address: '', port: POOLER_PUBLIC_PORTS.session },
      { address: '', port: POOLER_PUBLIC_PORTS.transaction },
    ]);
    expect(POOLER_PUBLIC_PORTS.transaction).toBe(6543);
  });

  it('when rendered, then no two services publish the same host port on overlapping addresses', () => {
    const seen = new Map<number, { service: string; address: string }[]>();
    for (const [name, svc] of Object.entries(services())) {
      for (const p of ((svc.ports as string[] | undefined) ?? []).map(published)) {
        const clash = (seen.get(p.port) ?? []).find(
          (o) => o.address === '' || p.address === '' || o.address === p.address,
        );
        expect(clash, `${name} and ${clash?.service} both publish ${p.port}`).toBeUndefined();
        seen.set(p.port, [...(seen.get(p.port) ?? []), { service: name, address: p.address }]);
      }
    }
  });

  it('when rendered, then the master API reaches the management API on loopback with the secret Supavisor checks, and knows the public ports', () => {
    const s = services();
    const sv = s.supavisor!.environment as Record<string, string>;
    const master = s.master!.environment as Record<string, string>;
    expect(master.SUPAFLEET_SUPAVISOR_URL).toBe(`http://127.0.0.1:${SUPAVISOR_API_PORT}`);
    expect(master.SUPAFLEET_SUPAVISOR_JWT_SECRET).toBe(sv.API_JWT_SECRET);
    expect(sv.API_JWT_SECRET).toBe('${SUPAVISOR_JWT_SECRET}');
    expect(master.SUPAFLEET_POOLER_TRANSACTION_PORT).toBe('6543');
    expect(master.SUPAFLEET_POOLER_SESSION_PORT).toBe(String(POOLER_PUBLIC_PORTS.session));
    expect(s.master!.network_mode).toBe('host');
  });
});
