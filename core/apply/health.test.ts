import { describe, expect, it } from 'vitest';
import { badgeFiles, fleetHealth } from './health.ts';
import { view } from './test/fakes.ts';

describe('fleet health for GitHub', () => {
  it.each([
    { state: 'healthy', status: 'success', color: 'brightgreen' },
    { state: 'provisioning', status: 'pending', color: 'blue' },
    { state: 'degraded', status: 'failure', color: 'yellow' },
    { state: 'down', status: 'error', color: 'red' },
    { state: 'failed', status: 'error', color: 'critical' },
  ] as const)(
    'when a project is $state, then its status is $status and its badge $color',
    ({ state, status, color }) => {
      const [h] = fleetHealth([view('acme', 2, state, 2)], ['acme']);
      expect(h).toMatchObject({
        project: 'acme',
        status,
        badgePath: 'badges/acme.json',
        badge: { message: state, color },
      });
    },
  );

  it('when a spec has no registry row and a row is deleted, then the first is "not provisioned" and the second absent', () => {
    const health = fleetHealth([{ ...view('gone', 1, 'healthy', 1), status: 'deleted' }], ['new-one']);
    expect(health.map((h) => [h.project, h.state, h.status])).toEqual([
      ['new-one', 'not provisioned', 'pending'],
    ]);
  });

  it('when the reasons are long, then the description stays within 140 characters', () => {
    const v = view('acme', 2, 'degraded', 1);
    const long = {
      ...v,
      health: { ...v.health, reasons: Array.from({ length: 30 }, (_, i) => `service-${i} down`) },
    };
    expect(fleetHealth([long], [])[0]!.description.length).toBeLessThanOrEqual(140);
  });

  it('when badge files are written, then they are shields endpoint JSON with known keys only', () => {
    const files = badgeFiles(fleetHealth([view('acme', 1, 'down', 1)], []));
    expect(Object.keys(files)).toEqual(['badges/acme.json']);
    expect(JSON.parse(files['badges/acme.json']!)).toEqual({
      schemaVersion: 1,
      label: 'acme',
      message: 'down',
      color: 'red',
      isError: true,
      cacheSeconds: 300,
    });
  });
});
