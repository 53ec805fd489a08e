/**
 * The admin surfaces live in the admin zone, and Authelia's cookie is scoped to it:
 * the rendered Caddyfile and Authelia configuration put Studio, the dashboard and the
 * login under `admin.<domain>` (or fleet.yaml's `admin_domain`), keep `fleet.<domain>`
 * for the API, and strip Authelia's cookie from project requests. A layout whose zone
 * would hold project hosts is refused at render time too.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveFleet } from '../../core/spec/defaults.ts';
import { fleetSpec } from '../test/fixtures/specs.ts';
import { AUTHELIA_COOKIE, renderAutheliaConfig } from './authelia.ts';
import { renderCaddyfile } from './caddyfile.ts';

const fleet = resolveFleet(fleetSpec);
const own = resolveFleet({ ...fleetSpec, admin_domain: 'ops.example.net' });
const basic = resolveFleet({ ...fleetSpec, authelia: { enabled: false } });
const wildcard = resolveFleet({
  ...fleetSpec,
  tls: { mode: 'wildcard_dns', dns_provider: 'cloudflare', email: 'ops@example.com' },
});

interface AutheliaConfig {
  access_control: {
    default_policy: string;
    rules: { domain?: string[]; domain_regex?: string[]; policy: string }[];
  };
  session: { cookies: { name: string; domain: string; authelia_url: string }[] };
}
const authelia = (f = fleet) => parse(renderAutheliaConfig(f)) as AutheliaConfig;

/** The site addresses of a Caddyfile (the lines that open a top-level block). */
function sites(caddyfile: string): string[] {
  return caddyfile
    .split('\n')
    .filter((l) => /^[^\s{(][^{]* \{$/.test(l))
    .map((l) => l.slice(0, -2));
}

/** The body of the top-level block opened by `address {`. */
function block(caddyfile: string, address: string): string {
  const start = caddyfile.indexOf(`\n${address} {\n`);
  expect(start, address).toBeGreaterThan(-1);
  const end = caddyfile.indexOf('\n}\n', start);
  return caddyfile.slice(start, end);
}

describe('the admin zone in the rendered master', () => {
  it('when fleet.yaml names no admin_domain, then Authelia scopes its cookie to admin.<domain> and protects only hosts there', () => {
    const config = authelia();
    expect(config.session.cookies).toEqual([
      expect.objectContaining({
        name: AUTHELIA_COOKIE,
        domain: 'admin.example.com',
        authelia_url: 'https://auth.admin.example.com',
      }),
    ]);
    expect(config.access_control.default_policy).toBe('deny');
    const protectedHosts = config.access_control.rules.flatMap((r) => r.domain ?? []);
    expect(protectedHosts.sort()).toEqual(['fleet.admin.example.com']);
    // every project's Studio, and nothing outside the zone
    const studios = config.access_control.rules.flatMap((r) =>
      (r.domain_regex ?? []).map((re) => new RegExp(re)),
    );
    expect(studios).toHaveLength(1);
    expect(config.access_control.rules.every((r) => r.policy === 'two_factor')).toBe(true);
    for (const host of ['studio-acme.admin.example.com', 'studio-blog-2.admin.example.com'])
      expect(studios[0]!.test(host), host).toBe(true);
    for (const host of [
      'studio.admin.example.com',
      'studio-acme.example.com',
      'studio-acme.admin.example.com.evil.test',
      'studio-acmeXadmin.example.com',
    ])
      expect(studios[0]!.test(host), host).toBe(false);
    // Authelia refuses to protect a host outside its cookie domain; none is.
    for (const host of protectedHosts) expect(host.endsWith('.admin.example.com')).toBe(true);
  });

  it('when admin_domain names a domain of its own, then the cookie, the login and the protected hosts are there', () => {
    const config = authelia(own);
    expect(config.session.cookies[0]).toMatchObject({
      domain: 'ops.example.net',
      authelia_url: 'https://auth.ops.example.net',
    });
    expect(config.access_control.rules.flatMap((r) => r.domain ?? []).sort()).toEqual([
      'fleet.ops.example.net',
    ]);
    expect(config.access_control.rules.flatMap((r) => r.domain_regex ?? [])).toEqual([
      '^studio-[a-z][a-z0-9-]{1,31}\\.ops\\.example\\.net$',
    ]);
    expect(JSON.stringify([config.access_control, config.session])).not.toContain('example.com');
  });

  it('when the Caddyfile is rendered, then the login, Studio and the dashboard are served in the zone, the API at fleet.<domain>', () => {
    const caddyfile = renderCaddyfile(fleet);
    expect(sites(caddyfile)).toEqual([
      'auth.admin.example.com',
      'studio.admin.example.com',
      'fleet.admin.example.com',
      '*.admin.example.com',
      'fleet.example.com',
      'https://',
    ]);
    // Studio's old address leads to the console; each project's Studio is gated at studio-<name>
    expect(block(caddyfile, 'studio.admin.example.com')).toContain(
      '\tredir https://fleet.admin.example.com/console/',
    );
    const studios = block(caddyfile, '*.admin.example.com');
    expect(studios).toContain(
      '\t@studio header_regexp Host ^studio-[a-z][a-z0-9-]{1,31}\\.admin\\.example\\.com$\n' +
        '\thandle @studio {\n\t\timport gate\n\t\treverse_proxy 127.0.0.1:8090\n\t}\n' +
        '\thandle {\n\t\trespond 404\n\t}',
    );
    expect(block(caddyfile, 'fleet.admin.example.com')).toContain('\timport gate\n');
    expect(block(caddyfile, 'fleet.admin.example.com')).toContain('handle /v1/tls/ask {\n\t\trespond 404');
    const api = block(caddyfile, 'fleet.example.com');
    expect(api).not.toContain('import gate');
    expect(api).toContain('redir @dashboard https://fleet.admin.example.com{uri}');
    expect(api).toContain('handle /v1/tls/ask {\n\t\trespond 404');
    expect(api).toContain('@dashboard path /dashboard /dashboard/* /console /console/*');
    // Nothing admin is served directly under the fleet domain any more.
    expect(caddyfile).not.toMatch(/^(studio|auth)\.example\.com \{/m);
  });

  it("when the Caddyfile is rendered, then the console's page is gated and its token-authenticated data and project actions are not", () => {
    for (const f of [fleet, basic]) {
      const admin = block(renderCaddyfile(f), 'fleet.admin.example.com');
      expect(admin).toContain(
        '\t@token_api path /console/api/* /v1/projects/*\n\thandle @token_api {\n\t\treverse_proxy 127.0.0.1:8080\n\t}',
      );
      expect(admin).toContain('\thandle {\n\t\timport gate\n\t\treverse_proxy 127.0.0.1:8080\n\t}');
      expect(admin.match(/import gate/g)).toHaveLength(1);
    }
  });

  it('when Authelia is off, then the admin hosts are still in the zone, behind basic auth', () => {
    const caddyfile = renderCaddyfile(basic);
    expect(sites(caddyfile)).toEqual([
      'studio.admin.example.com',
      'fleet.admin.example.com',
      '*.admin.example.com',
      'fleet.example.com',
      'https://',
    ]);
    expect(caddyfile).toContain('basicauth {');
    expect(block(caddyfile, '*.admin.example.com')).toContain(
      '\t\timport gate\n\t\treverse_proxy 127.0.0.1:8090',
    );
  });

  it('when a project request carries the Authelia cookie, then Caddy drops the Cookie header before Kong (on demand and wildcard)', () => {
    for (const [f, address] of [
      [fleet, 'https://'],
      [wildcard, '*.example.com'],
    ] as const) {
      const body = block(renderCaddyfile(f), address);
      expect(body).toContain(`\t@admin_cookie header_regexp Cookie (?:^|;\\s*)${AUTHELIA_COOKIE}=\n`);
      expect(body).toContain('\trequest_header @admin_cookie -Cookie\n\treverse_proxy 127.0.0.1:8000');
    }
  });

  it('when the zone would hold project hosts, then rendering refuses it naming admin_domain', () => {
    for (const admin of ['example.com', 'ops.example.com']) {
      const bad = resolveFleet({ ...fleetSpec, admin_domain: admin });
      expect(() => renderCaddyfile(bad)).toThrow(/^admin_domain: /);
      expect(() => renderAutheliaConfig(bad)).toThrow(/^admin_domain: /);
    }
  });
});
