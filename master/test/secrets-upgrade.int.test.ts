/**
 * Secrets introduced after a project was created (Storage's S3-protocol keys) are
 * generated the first time the master reads that project's secrets, stored once,
 * and never regenerated: not by a second read, not by two reads racing.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectSecrets } from '../../core/secrets/types.ts';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { createApp } from '../src/app.ts';
import { projectSecrets } from '../src/projects.ts';
import { spec, startLab, type Lab, type LabDeps } from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping secret upgrade tests: ${skip}`);

describe.skipIf(skip !== undefined)('secrets added after a project was created', () => {
  let lab: Lab;
  let l: LabDeps;

  beforeAll(async () => {
    lab = await startLab();
    l = await lab.newDeps();
    const write = await l.token('write', 'ci-writer');
    const r = await request(createApp(l.deps, 'public'))
      .put('/v1/projects/legacy')
      .set('Authorization', `Bearer ${write}`)
      .send(spec('legacy'));
    expect(r.status).toBeLessThan(300);
  }, 60_000);
  afterAll(async () => {
    await lab?.close();
  });

  /** Rewrites the stored record as an older master wrote it: without the S3-protocol keys. */
  async function storeWithoutS3Keys(): Promise<
    Omit<ProjectSecrets, 's3_protocol_access_key_id' | 's3_protocol_access_key_secret'>
  > {
    const q = l.deps.registry;
    const record = (await q.selectSecrets('legacy'))!;
    const {
      s3_protocol_access_key_id: _id,
      s3_protocol_access_key_secret: _secret,
      ...old
    } = await l.deps.secretBox.open(record);
    const sealed = await l.deps.secretBox.seal(old as ProjectSecrets);
    expect(await q.replaceSecrets('legacy', sealed.nonce, sealed.ciphertext, record.ciphertext)).toBe(true);
    return old;
  }

  it('when a project stored without the S3-protocol keys is read, then they are generated once and stored, and every later read returns them', async () => {
    const old = await storeWithoutS3Keys();
    const [a, b, c] = await Promise.all([
      projectSecrets(l.deps, l.deps.registry, 'legacy'),
      projectSecrets(l.deps, l.deps.registry, 'legacy'),
      projectSecrets(l.deps, l.deps.registry, 'legacy'),
    ]);
    expect(a.s3_protocol_access_key_id).toMatch(/^[0-9a-f]{32}$/);
    expect(a.s3_protocol_access_key_secret).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a).toMatchObject(old);
    const stored = await l.deps.secretBox.open((await l.deps.registry.selectSecrets('legacy'))!);
    expect(stored).toEqual(a);
    expect(await projectSecrets(l.deps, l.deps.registry, 'legacy')).toEqual(a);
  });
});
