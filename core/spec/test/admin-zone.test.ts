/**
 * The admin zone (fleet.yaml `admin_domain`): Authelia's cookie domain, which must hold
 * no project host and sit under none. A layout where it would is refused with the file,
 * line and a message naming the fix.
 */
import { describe, expect, it } from 'vitest';
import { loadFleetDir, resolveFleet } from '../index.ts';
import type { FleetSpec } from '../types.ts';
import { adminZoneProblem, defaultAdminDomain, hostInZone } from '../rules/admin-zone.ts';
import { RESERVED_NAMES } from '../rules/dns.ts';
import { fleetYaml, projectYaml, writeFleetDir } from '../../../test/support/fleet-fixture.ts';
import { useTempDirs } from '../../../test/support/temp-dir.ts';

const tempDir = useTempDirs('supafleet-admin-zone-');

describe('adminZoneProblem', () => {
  const cases: readonly [admin: string, want: RegExp | undefined][] = [
    ['admin.example.com', undefined],
    ['ops.example.net', undefined],
    ['admin.example.net', undefined],
    // Below a reserved label: no project can take that host.
    ['studio.example.com', undefined],
    ['x.admin.example.com', undefined],
    // The fleet domain itself, or a parent: every project host would get the cookie.
    ['example.com', /is the fleet domain: the login cookie would reach every project host/],
    ['EXAMPLE.com', /is the fleet domain/],
    // A look-alike suffix is another domain, not a parent.
    ['ample.com', undefined],
    // The host of a possible project, or below one.
    ['ops.example.com', /is ops\.example\.com, the host of a project with subdomain "ops"/],
    ['a.acme.example.com', /lies under acme\.example\.com, the host of a project with subdomain "acme"/],
  ];
  it.each(cases)('when admin_domain is %s under example.com, then it says %s', (admin, want) => {
    const got = adminZoneProblem('example.com', admin);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(want);
  });

  it('when the fleet domain sits under the admin zone, then it is refused as a parent', () => {
    expect(adminZoneProblem('apps.example.com', 'example.com')).toMatch(
      /is a parent of the fleet domain apps\.example\.com/,
    );
  });

  it('when a zone is refused, then the message names the default as the fix', () => {
    expect(adminZoneProblem('example.com', 'ops.example.com')).toContain(
      'such as admin.example.com (the default)',
    );
  });

  it('when the default zone is used, then its label is a reserved project name', () => {
    expect(defaultAdminDomain('example.com')).toBe('admin.example.com');
    expect(RESERVED_NAMES).toContain('admin');
    expect(adminZoneProblem('example.com', defaultAdminDomain('example.com'))).toBeUndefined();
  });

  it('when a cookie is scoped to a zone, then it reaches the zone and hosts below it, and nothing beside or above', () => {
    expect(hostInZone('studio.admin.example.com', 'admin.example.com')).toBe(true);
    expect(hostInZone('admin.example.com', 'admin.example.com')).toBe(true);
    expect(hostInZone('acme.example.com', 'admin.example.com')).toBe(false);
    expect(hostInZone('example.com', 'admin.example.com')).toBe(false);
    expect(hostInZone('xadmin.example.com', 'admin.example.com')).toBe(false);
    expect(hostInZone('acme.example.com', 'example.com')).toBe(true);
  });
});

describe('fleet.yaml admin_domain', () => {
  it('when fleet.yaml names no admin_domain, then the zone is admin.<domain>', () => {
    const fleet = resolveFleet({ domain: 'example.com' } as FleetSpec);
    expect(fleet.admin_domain).toBe('admin.example.com');
    expect(
      resolveFleet({ domain: 'example.com', admin_domain: 'ops.example.net' } as FleetSpec).admin_domain,
    ).toBe('ops.example.net');
  });

  const refused: readonly [admin: string, message: RegExp][] = [
    ['example.com', /is the fleet domain/],
    ['com.', /does not match pattern|not a domain name/],
    ['ops.example.com', /the host of a project with subdomain "ops"/],
    ['a.acme.example.com', /lies under acme\.example\.com/],
  ];
  it.each(refused)(
    'when admin_domain is %s, then validation refuses it at its line and path',
    async (admin, message) => {
      const root = await tempDir();
      await writeFleetDir(root, {
        'fleet.yaml': `${fleetYaml()}admin_domain: ${admin}\n`,
        'projects/acme.yaml': projectYaml('acme'),
      });
      const r = await loadFleetDir(root);
      expect(r.ok).toBe(false);
      expect(r.errors).toEqual([
        expect.objectContaining({
          file: 'fleet.yaml',
          line: fleetYaml().split('\n').length,
          path: '/admin_domain',
          message: expect.stringMatching(message),
        }),
      ]);
    },
  );

  it('when admin_domain is a zone of its own, then the fleet is valid', async () => {
    const root = await tempDir();
    await writeFleetDir(root, {
      'fleet.yaml': `${fleetYaml()}admin_domain: admin.example.net\n`,
      'projects/acme.yaml': projectYaml('acme'),
    });
    const r = await loadFleetDir(root);
    expect(r.errors).toEqual([]);
  });

  it('when a project asks for the subdomain admin, then it is refused (the default zone is never a project host)', async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'projects/acme.yaml': projectYaml('acme', 'subdomain: admin\n') });
    const r = await loadFleetDir(root);
    expect(r.errors).toEqual([
      expect.objectContaining({
        file: 'projects/acme.yaml',
        path: '/subdomain',
        message: expect.stringMatching(/reserved/),
      }),
    ]);
  });
});
