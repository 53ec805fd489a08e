/**
 * The demo's edge: the real Caddy running the master's own Caddyfile (cloud-init/master/caddyfile.ts)
 * on loopback, so the projects' data path and the admin zone's gate are the ones a master serves.
 * Three things differ from a master, each because this machine is not one:
 *
 * - the fleet is rendered with Authelia off (the basic gate, `admin` and a password made for this
 *   run) and one wildcard certificate, issued by Caddy's internal CA in place of a DNS provider;
 * - Kong's proxy (`127.0.0.1:8000` on a master), the master API (`127.0.0.1:8080`) and the
 *   master's Studio front (`127.0.0.1:8090`) are the lab's loopback addresses (a lab without a
 *   Studio front gets a closed port there, so Studio hosts answer 502);
 * - Caddy gets test-safe global options (loopback ports, private storage; test/support/caddy.ts).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolveFleet } from '../../core/spec/defaults.ts';
import type { FleetSpec } from '../../core/spec/types.ts';
import { renderCaddyfile } from '../../cloud-init/master/caddyfile.ts';
import { masterLayout, STUDIO_FRONT_LISTEN } from '../../cloud-init/master/layout.ts';
import { CADDY_BIN, startCaddy, type StartedCaddy } from '../../test/support/caddy.ts';

/** Where a master's Caddyfile sends Kong's proxy and the master API. */
const MASTER_KONG = '127.0.0.1:8000';
const MASTER_API = '127.0.0.1:8080';
/** Where Studio hosts go when the lab runs no Studio front: port 9 (discard), closed on loopback. */
const NO_STUDIO_FRONT = '127.0.0.1:9';

export interface DemoEdge {
  readonly caddy: StartedCaddy;
  /** The console's host in the admin zone, e.g. `fleet.admin.example.com`. */
  readonly adminHost: string;
  /** The admin zone, e.g. `admin.example.com` (Studio hosts are `studio-<name>.` under it). */
  readonly adminDomain: string;
  /** The basic gate's user and password (Authelia is off in the demo). */
  readonly gate: { readonly user: string; readonly password: string };
}

/** The fleet as the demo's Caddy serves it: the basic gate and a wildcard certificate. */
export function edgeFleet(spec: FleetSpec): FleetSpec {
  return {
    ...spec,
    authelia: { enabled: false },
    tls: {
      mode: 'wildcard_dns',
      dns_provider: 'hetzner',
      ...(spec.tls?.email ? { email: spec.tls.email } : {}),
    },
  };
}

/**
 * The master's Caddyfile for `spec` with the demo's upstreams and the internal CA as the wildcard
 * certificate's issuer. Pure. Throws when the rendered file no longer names the addresses it
 * replaces (a changed renderer must not leave the demo proxying to a master's ports).
 */
export function edgeCaddyfile(
  spec: FleetSpec,
  upstreams: { readonly kongProxy: string; readonly masterApi: string; readonly studioFront?: string },
  globals: readonly string[],
): string {
  const rendered = renderCaddyfile(resolveFleet(edgeFleet(spec)), { extraGlobals: globals });
  const dns = /dns (hetzner|cloudflare) \{env\.DNS_API_TOKEN\}/g;
  for (const [what, re] of [
    ['Kong proxy', MASTER_KONG],
    ['master API', MASTER_API],
    ['Studio front', STUDIO_FRONT_LISTEN],
  ] as const) {
    if (!rendered.includes(`reverse_proxy ${re}`))
      throw new Error(`the master's Caddyfile no longer proxies to ${re} (${what}); update e2e/demo/edge.ts`);
  }
  if (!/dns (hetzner|cloudflare) \{env\.DNS_API_TOKEN\}/.test(rendered))
    throw new Error(
      "the master's Caddyfile names no DNS provider for its wildcard certificate; update e2e/demo/edge.ts",
    );
  return rendered
    .replaceAll(dns, 'issuer internal')
    .replaceAll(MASTER_KONG, upstreams.kongProxy)
    .replaceAll(MASTER_API, upstreams.masterApi)
    .replaceAll(STUDIO_FRONT_LISTEN, upstreams.studioFront ?? NO_STUDIO_FRONT);
}

/** bcrypt of `password` by `caddy hash-password`, the password on stdin (never in argv). */
function caddyHash(password: string): string {
  const r = spawnSync(CADDY_BIN, ['hash-password'], {
    input: `${password}\n${password}\n`,
    encoding: 'utf8',
    timeout: 30_000,
  });
  const hash = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !hash.startsWith('$2'))
    throw new Error(`caddy hash-password failed (${r.status ?? r.error?.message}): ${r.stderr.trim()}`);
  return hash;
}

/** Starts Caddy with the master's Caddyfile in front of the lab's Kong proxy and master API. */
export async function startDemoEdge(options: {
  readonly fleet: FleetSpec;
  readonly kongProxy: string;
  readonly masterApi: string;
  /** The master's Studio front, when the lab runs one. */
  readonly studioFront?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly parentDir?: string;
}): Promise<DemoEdge> {
  const { domain, adminDomain } = masterLayout(resolveFleet(edgeFleet(options.fleet)));
  const gate = { user: 'admin', password: randomBytes(18).toString('base64url') };
  const adminHost = `fleet.${adminDomain}`;
  const caddy = await startCaddy({
    // the hosts to wait for: a project's (the wildcard) and the console's
    sites: [
      { hosts: [`*.${domain}`], upstream: options.kongProxy },
      { hosts: [adminHost], upstream: options.masterApi },
    ],
    caddyfile: (globals) =>
      edgeCaddyfile(
        options.fleet,
        {
          kongProxy: options.kongProxy,
          masterApi: options.masterApi,
          ...(options.studioFront ? { studioFront: options.studioFront } : {}),
        },
        globals,
      ),
    env: { ...options.env, DASHBOARD_PASSWORD_HASH: caddyHash(gate.password) },
    ...(options.parentDir ? { parentDir: options.parentDir } : {}),
  });
  return { caddy, adminHost, adminDomain, gate };
}
