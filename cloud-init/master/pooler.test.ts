/**
 * The master stack's Supavisor (issue 12, B2): its proxy ports public, its management API on
 * loopback for the master API, and the master API holding the secret Supavisor checks.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveFleet } from '../../core/spec/defaults.ts';
import { useTempDirs } from '../../test/support/temp-dir.ts';
import { toolsSkipReason } from '../../test/support/tools.ts';
import { fleetSpec } from '../test/fixtures/specs.ts';
import { POOLER_PUBLIC_PORTS, POOLER_TLS_DIR, poolerTlsScript, SUPAVISOR_API_PORT } from './compose.ts';
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

  it("when rendered, then each published proxy port forwards to the port Supavisor listens on for that mode, as upstream's compose does", () => {
    // Supavisor v2.7.4 config/runtime.exs:179-180: PROXY_PORT_TRANSACTION defaults to 6543 and
    // PROXY_PORT_SESSION to 5432; upstream publishes `${POSTGRES_PORT}:5432` and
    // `${POOLER_PROXY_PORT_TRANSACTION}:6543` (supabase/supabase docker/docker-compose.yml:558-560
    // @00069a4c). Ours moves only the session side's host port, since the host's 5432 is the
    // master database's.
    const sv = services().supavisor!;
    const env = sv.environment as Record<string, string>;
    expect(env.PROXY_PORT_SESSION).toBeUndefined();
    expect(env.PROXY_PORT_TRANSACTION).toBeUndefined();
    expect(sv.ports as string[]).toContain(`${POOLER_PUBLIC_PORTS.session}:5432`);
    expect(sv.ports as string[]).toContain(`${POOLER_PUBLIC_PORTS.transaction}:6543`);
    expect(POOLER_PUBLIC_PORTS.session).not.toBe(5432);
    expect(services().db!.ports).toEqual(['127.0.0.1:5432:5432']);
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

  it('when rendered, then Supavisor makes its client certificate in its own volume before it migrates and starts, and is told where it is', () => {
    const sv = services().supavisor!;
    expect(sv.command).toEqual([
      '/bin/sh',
      '-c',
      `${poolerTlsScript('example.com')} && /app/bin/migrate && /app/bin/server`,
    ]);
    expect(sv.volumes).toEqual([`pooler-tls:${POOLER_TLS_DIR}`]);
    expect(sv.environment).toMatchObject({
      GLOBAL_DOWNSTREAM_CERT_PATH: `${POOLER_TLS_DIR}/cert.pem`,
      GLOBAL_DOWNSTREAM_KEY_PATH: `${POOLER_TLS_DIR}/key.pem`,
    });
    expect((sv.command as string[])[2]).not.toContain('$');
  });
});

const tlsSkip = toolsSkipReason(['dash', 'openssl'], 'the pooler certificate test');
if (tlsSkip) console.log(`skipping: ${tlsSkip}`);

describe.skipIf(tlsSkip !== undefined)('the pooler certificate script, run by dash with openssl', () => {
  const tempDir = useTempDirs('sf-pooler-tls-');
  const run = (dir: string) =>
    spawnSync('dash', ['-c', poolerTlsScript('example.com', dir)], { encoding: 'utf8', timeout: 60_000 });
  const openssl = (...args: string[]) => spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });

  it('when run on an empty directory, then it makes a key and a certificate for fleet.<domain> and every project host that belong together', async () => {
    const dir = await tempDir();
    expect(run(dir).status).toBe(0);
    const ext = openssl('x509', '-in', `${dir}/cert.pem`, '-noout', '-ext', 'subjectAltName');
    expect(ext.stdout).toContain('DNS:fleet.example.com, DNS:*.example.com');
    const fromCert = openssl('x509', '-in', `${dir}/cert.pem`, '-noout', '-pubkey').stdout;
    const fromKey = openssl('pkey', '-in', `${dir}/key.pem`, '-pubout').stdout;
    expect(fromCert).toMatch(/BEGIN PUBLIC KEY/);
    expect(fromCert).toBe(fromKey);
  });

  it('when run again, then the certificate is kept (clients that pinned it keep working)', async () => {
    const dir = await tempDir();
    expect(run(dir).status).toBe(0);
    const before = readFileSync(`${dir}/cert.pem`, 'utf8');
    const mtime = statSync(`${dir}/cert.pem`).mtimeMs;
    expect(run(dir).status).toBe(0);
    expect(readFileSync(`${dir}/cert.pem`, 'utf8')).toBe(before);
    expect(statSync(`${dir}/cert.pem`).mtimeMs).toBe(mtime);
  });
});
