import { describe, expect, it } from 'vitest';
import type { FleetSpec } from '../spec/types.ts';
import { memoryLogger } from './ports.ts';
import { ProtectedProjectError, teardownProject } from './teardown.ts';
import { fakeHetzner, fakeMaster, virtualClock } from './test/fakes.ts';

const fleet = { name: 'prod' } as FleetSpec;

function setup(backup: 'succeeded' | 'failed' = 'succeeded') {
  const m = fakeMaster({ healthyAfterPolls: 0, backup });
  m.rows.set('acme', { spec: { name: 'acme', server: { type: 'cx22', location: 'fsn1' } }, revision: 1 });
  const h = fakeHetzner([{ id: 5, name: 'prod-acme', labels: { 'supafleet/project': 'acme' } } as never]);
  const deps = { master: m.master, hetzner: h.hetzner, clock: virtualClock(), log: memoryLogger() };
  return { m, h, deps };
}

describe('tearing one project down', () => {
  it('when the project is protected, then nothing is called', async () => {
    const t = setup();
    await expect(
      teardownProject(t.deps, { fleet, name: 'acme', protect: true, backupWaitMs: 60_000 }),
    ).rejects.toBeInstanceOf(ProtectedProjectError);
    expect(t.m.calls).toEqual([]);
    expect(t.h.calls).toEqual([]);
  });

  it('when the final backup succeeds, then routes, server and row go in that order', async () => {
    const t = setup();
    const r = await teardownProject(t.deps, { fleet, name: 'acme', protect: false, backupWaitMs: 60_000 });
    expect(r).toMatchObject({
      project: 'acme',
      serversDeleted: 1,
      tombstoned: true,
      backup: { snapshot_id: 'snap1' },
    });
    expect(t.m.calls.filter((c) => !c.startsWith('GET'))).toEqual([
      'POST acme/backups',
      'DELETE acme/routes',
      'DELETE acme',
    ]);
    expect(t.h.calls).toEqual(['delete-labelled acme']);
  });

  it('when the final backup fails, then nothing is deleted', async () => {
    const t = setup('failed');
    await expect(
      teardownProject(t.deps, { fleet, name: 'acme', protect: false, backupWaitMs: 60_000 }),
    ).rejects.toThrow(/final backup failed \(restic exit 1\); nothing was deleted/);
    expect(t.m.calls.filter((c) => !c.startsWith('GET'))).toEqual(['POST acme/backups']);
    expect(t.h.calls).toEqual([]);
  });
});
