import { describe, expect, it } from 'vitest';
import type { Server } from '../../../core/hetzner/types.ts';
import { resolveFleet } from '../../../core/spec/defaults.ts';
import type { FleetSpec } from '../../../core/spec/types.ts';
import { createdSummary, rebuiltSummary } from './summary.ts';

const fleet = resolveFleet({
  name: 'prod',
  domain: 'example.com',
  github: { repository_id: 1, owner_id: 2 },
  master: { server: { type: 'cx32', location: 'fsn1' } },
  storage_box: { host: 'u1.your-storagebox.de', user: 'u1', id: 4711 },
  seal: { public_key: 'IPerVMSGUI9qd6uAm5clH5Vd/qn0u5XRvjHbJe+b0jM=' },
} as FleetSpec);
const server = { id: 1001, name: 'prod-master' } as Server;

describe('the create summary', () => {
  const text = createdSummary(fleet, server, '203.0.113.9');

  it('when the master is created, then the summary names the server, its location and IPv4', () => {
    expect(text).toContain('Server `prod-master` (id 1001) created in fsn1, IPv4 `203.0.113.9`.');
  });

  it('when the operator reads it, then supafleet init takes over: DNS wait, both keys over SSH as the deploy user, /healthz', () => {
    expect(text).toContain('`supafleet init` takes it from here');
    expect(text).toContain(
      'installs\nthe fleet seal key and the Storage Box key on the master over SSH as `deploy`',
    );
    expect(text).toContain('`https://fleet.example.com/healthz`');
    expect(text).toContain('run `npx supafleet init`\nagain: it keeps this server and carries on');
  });

  it('when the operator reads it, then only what init leaves is listed: the DNS records, the Storage Box public key, the optional pin', () => {
    expect(text).toContain(
      '1. Create the DNS records (A): `fleet.example.com`, `*.example.com` → `203.0.113.9`.',
    );
    expect(text).toContain(
      'cat ~/.config/supafleet/prod/backup.key.pub | ssh -p23 u1@u1.your-storagebox.de install-ssh-key',
    );
    expect(text).toContain('`SUPAFLEET_MASTER_WG_PUBLIC_KEY`');
    // init installs the keys and sets SUPAFLEET_MASTER_URL: neither is the operator's step any more.
    expect(text).not.toContain('/dev/stdin');
    expect(text).not.toContain('SUPAFLEET_MASTER_URL');
    expect(text).not.toContain('SUPAFLEET_SEAL_PRIVATE_KEY');
  });

  it('when the admin zone is a domain of its own, then its wildcard record is listed too', () => {
    const other = createdSummary({ ...fleet, admin_domain: 'ops.example.net' }, server, '203.0.113.9');
    expect(other).toContain('`fleet.example.com`, `*.example.com`, `*.ops.example.net` → `203.0.113.9`');
  });
});

describe('the rebuild summary', () => {
  const text = rebuiltSummary(fleet, server, '203.0.113.9', 'debian-12');

  it('when the master is rebuilt, then the summary names the server, its unchanged IPv4 and the image', () => {
    expect(text).toContain(
      'Server `prod-master` (id 1001) rebuilt from `debian-12`; it keeps its IPv4 `203.0.113.9`.',
    );
  });

  it("when the operator reads it, then the keys go in over SSH as the deploy user, the seal key for the master API's user alone", () => {
    expect(text).toContain(
      "ssh deploy@203.0.113.9 'sudo install -o 1000 -g 1000 -m 0400 /dev/stdin /etc/supafleet/fleet-seal.key' < fleet-seal.key",
    );
    expect(text).toContain(
      "ssh deploy@203.0.113.9 'sudo install -m 0600 /dev/stdin /etc/supafleet/backup.key' < backup.key",
    );
  });

  it('when the operator reads it, then the steps come in order: keys, restore, health, and workers need nothing', () => {
    const at = (needle: string) => {
      const i = text.indexOf(needle);
      expect(i, needle).toBeGreaterThan(-1);
      return i;
    };
    const order = [
      at('ssh-keygen -R 203.0.113.9'),
      at('/etc/supafleet/fleet-seal.key'),
      at('ssh deploy@203.0.113.9 sudo supafleet-master-restore'),
      at('`https://fleet.example.com/healthz`'),
      at('the workers reconnect by themselves'),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('when the fleet sets another SSH user, then the commands use it', () => {
    const other = rebuiltSummary(
      { ...fleet, ssh: { ...fleet.ssh, user: 'ops' } },
      server,
      '203.0.113.9',
      'x',
    );
    expect(other).toContain('ssh ops@203.0.113.9 sudo supafleet-master-restore');
    expect(other).not.toContain('deploy@');
  });
});
