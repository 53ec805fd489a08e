import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSealKeypair, openBytes } from '../../core/seal/index.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { buildMaster } from '../build.ts';
import { serveMaster } from '../../test/support/master-serve.ts';
import { callFrom, spec } from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping master bundle tests: ${skip}`);

describe.skipIf(skip !== undefined)('the esbuild bundle of the master', () => {
  let pg: TestPostgres;
  const dir = mkdtempSync(join(tmpdir(), 'supafleet-bundle-'));
  let bundle: string;
  beforeAll(async () => {
    pg = await startPostgres();
    bundle = await buildMaster(join(dir, 'out'));
  });
  afterAll(async () => {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the bundle alone migrates, serves, enrolls a worker and renders its stack, then everything works outside the source tree', async () => {
    const url = await pg.createDatabase('bundle');
    const run = (args: string[]) =>
      spawnSync(process.execPath, [bundle, 'master', ...args], {
        env: { PATH: process.env.PATH, DATABASE_URL: url },
        encoding: 'utf8',
        cwd: dir,
        timeout: 30_000,
      });
    const m = run(['migrate']);
    expect(m.status).toBe(0);
    expect(m.stdout).toMatch(/applied migrations 1/);
    const t = run(['token', 'create', '--name', 'bundle-test', '--scope', 'write']);
    expect(t.status).toBe(0);
    const token = t.stdout.trim();

    const master = await serveMaster({
      argv: [bundle, 'master', 'serve'],
      cwd: dir,
      databaseUrl: url,
      dir,
      agentHost: '127.103.0.1',
    });
    try {
      const base = master.apiUrl;
      const put = await fetch(`${base}/v1/projects/acme?enrollment_token=true`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(spec('acme')),
      });
      expect(put.status).toBe(201);
      const enrollment = ((await put.json()) as { enrollment: { token: string } }).enrollment;
      const seal = await generateSealKeypair();
      const e = await fetch(`${base}/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          token: enrollment.token,
          wg_public_key: Buffer.alloc(32, 9).toString('base64'),
          seal_public_key: seal.publicKey,
        }),
      });
      expect(e.status).toBe(200);
      const answer = (await e.json()) as { agent: { token: string }; wg: { address: string } };
      const b = await callFrom(answer.wg.address.split('/')[0]!, `${master.agentUrl}/v1/agent/bundle`, {
        headers: { authorization: `Bearer ${answer.agent.token}` },
      });
      expect(b.status).toBe(200);
      const files = JSON.parse(
        Buffer.from(await openBytes((b.body as { sealed: string }).sealed, seal.privateKey)).toString('utf8'),
      ).files as Record<string, string>;
      expect(Object.keys(files).length).toBeGreaterThan(3);
      expect(Object.values(files).join('\n')).toContain('#!');
    } finally {
      expect(await master.stop()).toBe(0);
    }
  });
});
