/**
 * The demo's Caddyfile is the master's, with the demo's upstreams: rendered for the example fleet
 * with the basic gate and a wildcard certificate from Caddy's internal CA, proxying to the given
 * Kong proxy and master API and nowhere a master's own ports.
 */
import { describe, expect, it } from 'vitest';
import { renderCaddyfile } from '../../cloud-init/master/caddyfile.ts';
import { resolveFleet } from '../../core/spec/defaults.ts';
import { loadFleet } from './apply.ts';
import { edgeCaddyfile, edgeFleet } from './edge.ts';

const upstreams = { kongProxy: '127.0.0.1:40001', masterApi: '127.0.0.1:40002' };

describe('the demo edge Caddyfile', () => {
  it('when rendered for examples/fleet, then it is the master Caddyfile with the basic gate, the internal CA and the demo upstreams', async () => {
    const { fleet } = await loadFleet('examples/fleet');
    const text = edgeCaddyfile(fleet, upstreams, ['http_port 40003']);
    const master = renderCaddyfile(resolveFleet(edgeFleet(fleet)), { extraGlobals: ['http_port 40003'] });
    // the same file, line for line, but for the upstreams and the certificate issuer
    expect(text.split('\n').length).toBe(master.split('\n').length);
    expect(text).toContain('basicauth {');
    expect(text).not.toContain('forward_auth');
    expect(text).toContain('issuer internal');
    expect(text).not.toMatch(/dns (hetzner|cloudflare)/);
    expect(text).toContain('fleet.admin.example.com {');
    expect(text).toContain(`reverse_proxy ${upstreams.kongProxy}`);
    expect(text).toContain(`reverse_proxy ${upstreams.masterApi}`);
    expect(text).not.toMatch(/127\.0\.0\.1:80[089]0\b/);
    expect(text).toContain('\thttp_port 40003');
  });

  it("when the lab runs the master's Studio front, then the Studio hosts go there and nowhere a master's own port; without one, to a closed port", async () => {
    const { fleet } = await loadFleet('examples/fleet');
    const withFront = edgeCaddyfile(fleet, { ...upstreams, studioFront: '127.0.0.1:40004' }, []);
    expect(withFront).toContain('\t@studio header_regexp Host ^studio-');
    expect(withFront).toContain('\t\timport gate\n\t\treverse_proxy 127.0.0.1:40004\n');
    expect(withFront).not.toContain('127.0.0.1:8090');
    const without = edgeCaddyfile(fleet, upstreams, []);
    expect(without).toContain('\t\timport gate\n\t\treverse_proxy 127.0.0.1:9\n');
    expect(without).not.toContain('127.0.0.1:8090');
  });

  it('when the fleet has Authelia on and on-demand TLS, then the edge fleet turns both off and keeps the rest', async () => {
    const { fleet } = await loadFleet('examples/fleet');
    expect(fleet.authelia?.enabled).toBe(true);
    const e = edgeFleet(fleet);
    expect(e.authelia).toEqual({ enabled: false });
    expect(e.tls).toEqual({ mode: 'wildcard_dns', dns_provider: 'hetzner', email: 'ops@example.com' });
    expect({ ...e, authelia: fleet.authelia, tls: fleet.tls }).toEqual(fleet);
  });
});
