import { describe, expect, it } from 'vitest';
import { gitBlobSha } from '../../core/github/git-blob.ts';
import { changes, planInit, renderPlan, type InitCurrent, type InitDesired } from './plan.ts';

const desired: InitDesired = {
  fleetFile: 'name: prod\n',
  newSealKey: false,
  newBackupKey: false,
  repoSecrets: ['HCLOUD_TOKEN_READONLY'],
  envSecrets: ['HCLOUD_TOKEN'],
  reviewers: [{ type: 'User', id: 501 }],
  variables: { SUPAFLEET_MASTER_URL: 'https://fleet.example.com' },
};

const settled: InitCurrent = {
  fleetFile: 'name: prod\n',
  mainFleetSha: gitBlobSha('name: prod\n'),
  repoSecrets: ['HCLOUD_TOKEN_READONLY'],
  environment: {
    reviewers: [{ type: 'User', id: 501 }],
    preventSelfReview: true,
    customBranches: true,
    branches: ['main'],
  },
  envSecrets: ['HCLOUD_TOKEN'],
  variables: { SUPAFLEET_MASTER_URL: 'https://fleet.example.com' },
  master: { name: 'prod-master', ipv4: '203.0.113.9' },
  storageBox: { id: 4711, sshEnabled: true },
};

const action = (steps: ReturnType<typeof planInit>, id: string) => steps.find((s) => s.id === id)?.action;

describe('planInit', () => {
  it('when nothing exists yet, then every step is a create', () => {
    const steps = planInit(
      { ...desired, newSealKey: true, newBackupKey: true },
      { repoSecrets: [], envSecrets: [], variables: {} },
    );
    expect(steps.map((s) => [s.id, s.action])).toEqual([
      ['seal-key', 'create'],
      ['backup-key', 'create'],
      ['fleet-file', 'create'],
      ['fleet-file-main', 'create'],
      ['secret:HCLOUD_TOKEN_READONLY', 'create'],
      ['environment', 'create'],
      ['branch-policy', 'create'],
      ['env-secret:HCLOUD_TOKEN', 'create'],
      ['variable:SUPAFLEET_MASTER_URL', 'create'],
      ['master', 'create'],
    ]);
  });

  it('when everything is in place, then the plan changes nothing', () => {
    const steps = planInit(desired, settled);
    expect(changes(steps)).toEqual([]);
    expect(renderPlan(steps)).toMatch(/Nothing to change\.\n$/);
  });

  it("when the Storage Box's SSH access is off, then the plan turns it on; when it is on, then it is kept", () => {
    const off = planInit(desired, { ...settled, storageBox: { id: 4711, sshEnabled: false } });
    expect(changes(off)).toEqual([
      {
        id: 'storage-box-ssh',
        action: 'update',
        what: 'SSH access to Storage Box 4711',
        detail: 'off now; turned on (SFTP on port 23, which the backups use)',
      },
    ]);
    expect(renderPlan(off)).toContain('  ~ SSH access to Storage Box 4711 (off now; turned on');
    expect(action(planInit(desired, settled), 'storage-box-ssh')).toBe('keep');
  });

  it('when the Storage Box was not read, then the plan has no step for it', () => {
    const { storageBox: _unread, ...unread } = settled;
    expect(action(planInit(desired, unread), 'storage-box-ssh')).toBeUndefined();
  });

  it('when a secret exists, then it is kept whatever value the run was given (never rotated)', () => {
    expect(action(planInit(desired, settled), 'env-secret:HCLOUD_TOKEN')).toBe('keep');
    expect(action(planInit(desired, settled), 'seal-key')).toBe('keep');
  });

  it('when the environment lets any branch deploy or lacks the reviewers, then it is an update naming both', () => {
    const steps = planInit(desired, {
      ...settled,
      environment: { reviewers: [], preventSelfReview: true, customBranches: false, branches: [] },
    });
    const env = steps.find((s) => s.id === 'environment')!;
    expect(env.action).toBe('update');
    expect(env.detail).toBe('deployment branches: selected branches only, required reviewers');
    expect(action(steps, 'branch-policy')).toBe('create');
  });

  it('when no reviewers are asked for, then the environment keeps the ones it has', () => {
    const { reviewers: _none, ...without } = desired;
    expect(action(planInit(without, settled), 'environment')).toBe('keep');
  });

  it('when fleet.yaml differs locally and on main, then both are updates; a variable with another value is an update', () => {
    const steps = planInit(
      { ...desired, fleetFile: 'name: prod\ndomain: example.org\n' },
      { ...settled, variables: { SUPAFLEET_MASTER_URL: 'https://old' } },
    );
    expect(action(steps, 'fleet-file')).toBe('update');
    expect(action(steps, 'fleet-file-main')).toBe('update');
    expect(action(steps, 'variable:SUPAFLEET_MASTER_URL')).toBe('update');
  });
});
