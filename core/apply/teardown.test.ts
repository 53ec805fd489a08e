import { describe, expect, it } from 'vitest';
import type { FleetSpec } from '../spec/types.ts';
import { memoryLogger, type StorageBoxApi } from './ports.ts';
import { ProtectedProjectError, teardownProject } from './teardown.ts';
import { fakeHetzner, fakeMaster, virtualClock } from './test/fakes.ts';

const fleet = { name: 'prod', storage_box: { host: 'u1.your-storagebox.de', user: 'u1' } } as FleetSpec;
const fleetWithBox = { ...fleet, storage_box: { ...fleet.storage_box, id: 4711 } } as FleetSpec;

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

  describe('with a Storage Box sub-account per project (storage_box.id)', () => {
    function withBox(backup: 'succeeded' | 'failed' = 'succeeded') {
      const t = setup(backup);
      const order: string[] = [];
      const storageBox: StorageBoxApi = {
        ensureProjectSubaccount: () => Promise.reject(new Error('not expected')),
        resetPassword: () => Promise.reject(new Error('not expected')),
        deleteProjectSubaccounts: (box, f, project) => {
          order.push(`delete-subaccounts ${box} ${f} ${project}`);
          return Promise.resolve(1);
        },
      };
      const master = t.deps.master;
      const deps = {
        ...t.deps,
        storageBox,
        master: {
          ...master,
          deleteProject: (name: string) => {
            order.push(`DELETE ${name}`);
            return master.deleteProject(name);
          },
        },
        hetzner: {
          ...t.deps.hetzner,
          deleteLabelledServers: (g: Parameters<typeof t.deps.hetzner.deleteLabelledServers>[0]) => {
            order.push('delete-servers');
            return t.deps.hetzner.deleteLabelledServers(g);
          },
        },
      };
      return { ...t, deps, order };
    }

    it("when the final backup succeeds, then the project's sub-account goes after its server and before the row", async () => {
      const t = withBox();
      const r = await teardownProject(t.deps, {
        fleet: fleetWithBox,
        name: 'acme',
        protect: false,
        backupWaitMs: 60_000,
      });
      expect(r).toMatchObject({ subaccountsDeleted: 1, tombstoned: true });
      expect(t.order).toEqual(['delete-servers', 'delete-subaccounts 4711 prod acme', 'DELETE acme']);
    });

    it('when the final backup fails, then the sub-account is kept', async () => {
      const t = withBox('failed');
      await expect(
        teardownProject(t.deps, { fleet: fleetWithBox, name: 'acme', protect: false, backupWaitMs: 60_000 }),
      ).rejects.toThrow(/nothing was deleted/);
      expect(t.order).toEqual([]);
    });

    it('when apply has no Storage Box client, then teardown stops before the row and says the sub-account was kept', async () => {
      const t = setup();
      await expect(
        teardownProject(t.deps, { fleet: fleetWithBox, name: 'acme', protect: false, backupWaitMs: 60_000 }),
      ).rejects.toThrow(/no Storage Box client; the sub-account was kept/);
      expect(t.m.calls).not.toContain('DELETE acme');
    });
  });
});
