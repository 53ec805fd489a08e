import { describe, expect, it } from 'vitest';
import { fleetStatus, projectStatus } from '../../test/support/fleet-status.ts';
import { age, allHealthy, formatStatus, type Paint } from './format.ts';

describe('supafleet status as text', () => {
  it('when the fleet is healthy, then each project is one aligned row and the totals and master follow', () => {
    const lines = formatStatus(
      fleetStatus([projectStatus('acme'), projectStatus('blog', { monthly_cost: 7.5 })]),
    );
    expect(lines[0]).toBe('fleet prod (example.com) at 2026-12-01T12:00:00.000Z');
    expect(lines[1]).toMatch(/^PROJECT +HEALTH +URL +HEARTBEAT +REVISION +WIREGUARD +SERVER +COST +BACKUP$/);
    expect(lines[2]).toBe(
      'acme     healthy  https://acme.example.com  4s         3/3       connected 25s  cx22/fsn1  4.35  succeeded 9h ago',
    );
    expect(lines[3]!.indexOf('https://blog')).toBe(lines[2]!.indexOf('https://acme'));
    expect(lines.slice(4)).toEqual([
      '2 projects: 2 healthy; 11.85 EUR/month',
      'master: healthy (supafleet 0.1.0)',
    ]);
  });

  it('when a project is not healthy, then its reasons follow its row and the fleet is not all healthy', () => {
    const f = fleetStatus([
      projectStatus('acme', {
        health: { state: 'degraded', reasons: ['storage unhealthy', 'running revision 2 of 3'] },
        applied_revision: 2,
        wireguard: { state: 'not enrolled', handshake_age_s: null },
        backup: null,
        server: { type: null, location: null },
        monthly_cost: null,
        heartbeat_age_s: null,
      }),
    ]);
    const lines = formatStatus(f);
    expect(lines[2]).toMatch(
      /^acme +degraded +https:\/\/acme\.example\.com +- +2\/3 +not enrolled +- +- +none$/,
    );
    expect(lines.slice(3, 5)).toEqual(['  - storage unhealthy', '  - running revision 2 of 3']);
    expect(allHealthy(f)).toBe(false);
  });

  it('when the master is degraded, then its reasons are listed and the fleet is not all healthy', () => {
    const f = fleetStatus([], {
      master: {
        state: 'degraded',
        reasons: ['Kong: cannot reach its database'],
        version: '0.1.0',
        checks: [],
      },
    });
    const lines = formatStatus(f);
    expect(lines).toContain('no projects yet');
    expect(lines.slice(-2)).toEqual([
      'master: degraded (supafleet 0.1.0)',
      '  - Kong: cannot reach its database',
    ]);
    expect(allHealthy(f)).toBe(false);
  });

  it('when colours are on, then the health is coloured and the columns still line up', () => {
    const tag = (name: string) => (t: string) => `<${name}>${t}</${name}>`;
    const paint: Paint = { red: tag('r'), green: tag('g'), yellow: tag('y'), bold: tag('b'), dim: tag('d') };
    const lines = formatStatus(fleetStatus([projectStatus('acme')]), paint);
    expect(lines[2]).toMatch(/^<b>acme {3}<\/b> {2}<g>healthy<\/g> /);
    const plain = (s: string) => s.replace(/<\/?[rgybd]>/g, '');
    expect(plain(lines[2]!)).toBe(formatStatus(fleetStatus([projectStatus('acme')]))[2]);
  });

  it.each([
    [null, '-'],
    [42, '42s'],
    [119, '119s'],
    [120, '2m'],
    [7200, '2h'],
    [172_800, '2d'],
  ])('when an age is %o seconds, then it reads %s', (s, want) => {
    expect(age(s)).toBe(want);
  });
});
