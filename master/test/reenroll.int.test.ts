import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSealKeypair } from '../../core/seal/index.ts';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { createApp } from '../src/app.ts';
import { spec, startLab, type Lab, type LabDeps } from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping re-enrollment tests: ${skip}`);

/**
 * Attack (security audit M1, L6): a write principal re-mints an enrollment token for an enrolled
 * project, enrolls an impostor worker and opens the bundle. Re-enrollment needs admin and is
 * audit-logged as such, and revokes the project's older unused tokens; before the first
 * enrollment several tokens may live (racing applies), and the first enrollment kills the rest.
 */
describe.skipIf(skip !== undefined)('re-enrollment of an enrolled project', () => {
  let lab: Lab;
  let l: LabDeps;
  let pub: ReturnType<typeof createApp>;
  let keyByte = 0;

  const put = (name: string, auth: string, mint = true) =>
    request(pub)
      .put(`/v1/projects/${name}${mint ? '?enrollment_token=true' : ''}`)
      .set('Authorization', `Bearer ${auth}`)
      .send(spec(name));
  const enroll = async (token: string) =>
    request(pub)
      .post('/v1/enroll')
      .send({
        token,
        wg_public_key: Buffer.alloc(32, ++keyByte).toString('base64'),
        seal_public_key: (await generateSealKeypair()).publicKey,
      });
  const liveTokens = async (project: string): Promise<number> =>
    Number(
      (
        await l.deps.registry.pool.query(
          'select count(*) as n from enrollment_tokens where project = $1 and used_at is null',
          [project],
        )
      ).rows[0].n,
    );

  beforeAll(async () => {
    lab = await startLab();
    l = await lab.newDeps();
    pub = createApp(l.deps, 'public');
    const w = await l.token('write');
    const first = await put('crown', w);
    expect(first.status).toBe(201);
    expect((await enroll(first.body.enrollment.token)).status).toBe(200);
  });
  afterAll(async () => {
    await l?.close();
    await lab?.close();
  });

  it.each([
    { name: 'a write-scoped API token', auth: () => l.token('write') },
    { name: "apply.yml's OIDC token (push on main, production)", auth: () => lab.oidc.mint() },
  ])(
    'when $name asks for a new enrollment token of an enrolled project, then 403 and no token is minted',
    async ({ auth }) => {
      const before = await liveTokens('crown');
      const r = await put('crown', await auth());
      expect(r.status).toBe(403);
      expect(r.body.error.message).toMatch(/admin/);
      expect(r.body.enrollment).toBeUndefined();
      expect(await liveTokens('crown')).toBe(before);
      const audit = await l.deps.registry.listAudit('crown');
      expect(audit.map((a) => a.action)).not.toContain('project.reenroll');
    },
  );

  it('when a write principal updates an enrolled project without asking for a token, then it still may', async () => {
    const r = await put('crown', await l.token('write'), false);
    expect(r.status).toBe(200);
  });

  it('when an admin re-enrolls an enrolled project, then a token is minted and the audit log says it was a re-enrollment', async () => {
    const r = await put('crown', await l.token('admin', 'ops-admin'));
    expect(r.status).toBe(200);
    expect(r.body.enrollment.token).toMatch(/^sfe_/);
    const audit = await l.deps.registry.listAudit('crown');
    const row = audit.find((a) => a.action === 'project.reenroll');
    expect(row?.actor).toMatchObject({ kind: 'token', name: 'ops-admin' });
    expect(row?.detail).toMatchObject({ replaces_enrolled_worker: true });
    expect((await enroll(r.body.enrollment.token)).status).toBe(200);
  });

  it('when two applies mint tokens before the first enrollment, then both stay valid until one worker enrolls, and that enrollment kills the other', async () => {
    const w = await l.token('write');
    const a = await put('fresh', w);
    expect(a.status).toBe(201);
    const b = await put('fresh', w);
    expect(b.status).toBe(200);
    // the server the first apply created carries token a: the second mint must not strand it
    expect(await liveTokens('fresh')).toBe(2);
    expect((await enroll(a.body.enrollment.token)).status).toBe(200);
    expect(await liveTokens('fresh')).toBe(0);
    expect((await enroll(b.body.enrollment.token)).status).toBe(401);
    const audit = await l.deps.registry.listAudit('fresh');
    expect(audit.find((x) => x.action === 'project.enroll')?.detail).toMatchObject({ revoked_tokens: 1 });
  });

  it('when an admin mints a new token for an enrolled project, then the older unused ones are dead', async () => {
    const admin = await l.token('admin');
    const first = await put('crown', admin);
    expect(first.status).toBe(200);
    const second = await put('crown', admin);
    expect(second.status).toBe(200);
    expect(await liveTokens('crown')).toBe(1);
    expect((await enroll(first.body.enrollment.token)).status).toBe(401);
    const audit = await l.deps.registry.listAudit('crown');
    expect(audit.filter((x) => x.action === 'project.update').at(-1)?.detail).toMatchObject({
      revoked_tokens: 1,
    });
  });
});
