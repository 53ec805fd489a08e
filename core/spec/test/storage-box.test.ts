/**
 * fleet.yaml `storage_box`: each project backs up to its own sub-account, which needs the
 * box's id; sharing the main account with every worker is an explicit opt-out.
 */
import { describe, expect, it } from 'vitest';
import { loadFleetDir } from '../index.ts';
import { FIXTURE_PUBLIC_KEY, projectYaml, writeFleetDir } from '../../../test/support/fleet-fixture.ts';
import { useTempDirs } from '../../../test/support/temp-dir.ts';

const tempDir = useTempDirs('supafleet-storage-box-');

/** A fleet.yaml whose storage_box mapping is `box` (on line 5). */
function fleetWithBox(box: string): string {
  return `name: test
domain: example.com
github: { repository_id: 1, owner_id: 2 }
master: { server: { type: cx32, location: fsn1 } }
storage_box: ${box}
seal: { public_key: "${FIXTURE_PUBLIC_KEY}" }
`;
}

async function load(box: string) {
  const root = await tempDir();
  await writeFleetDir(root, { 'fleet.yaml': fleetWithBox(box), 'projects/acme.yaml': projectYaml('acme') });
  return loadFleetDir(root);
}

describe('fleet.yaml storage_box', () => {
  it('when the box has no id and no opt-out, then validation refuses it, naming the field and where to find the id', async () => {
    const r = await load('{ host: u1.your-storagebox.de, user: u1 }');
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      expect.objectContaining({
        file: 'fleet.yaml',
        line: 5,
        path: '/storage_box',
        message: expect.stringContaining('storage_box has no id'),
      }),
    ]);
    expect(r.errors[0]!.message).toContain('Hetzner Console');
    expect(r.errors[0]!.message).toContain('GET /v1/storage_boxes');
    expect(r.errors[0]!.message).toContain('shared_credential: true');
  });

  it('when the box names its id, then the fleet is valid', async () => {
    const r = await load('{ host: u1.your-storagebox.de, user: u1, id: 4711 }');
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('when the fleet opts out with shared_credential: true, then it is valid (the plan warns)', async () => {
    const r = await load('{ host: u1.your-storagebox.de, user: u1, shared_credential: true }');
    expect(r.errors).toEqual([]);
  });

  it('when shared_credential is false, then it is no opt-out and the id is still required', async () => {
    const r = await load('{ host: u1.your-storagebox.de, user: u1, shared_credential: false }');
    expect(r.errors).toEqual([expect.objectContaining({ path: '/storage_box' })]);
  });

  it('when both the id and shared_credential: true are set, then validation refuses the contradiction', async () => {
    const r = await load('{ host: u1.your-storagebox.de, user: u1, id: 4711, shared_credential: true }');
    expect(r.errors).toEqual([
      expect.objectContaining({
        path: '/storage_box/shared_credential',
        message: expect.stringContaining('cannot go with storage_box.id'),
      }),
    ]);
  });
});
