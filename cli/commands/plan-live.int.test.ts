import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startFakeHetzner, type FakeHetzner } from '../../fakes/hetzner/server.ts';
import { createApp } from '../../master/src/app.ts';
import { startLab, type Lab, type LabDeps } from '../../master/test/harness.ts';
import { runCli } from '../../test/support/cli-io.ts';
import { projectYaml, writeFleetDir } from '../../test/support/fleet-fixture.ts';
import { useTempDirs } from '../../test/support/temp-dir.ts';

const tempDir = useTempDirs('supafleet-plan-live-');

describe('supafleet plan --master', () => {
  let lab: Lab;
  let l: LabDeps;
  let server: Server;
  let url: string;
  let read: string;
  let hetzner: FakeHetzner;

  beforeAll(async () => {
    lab = await startLab();
    l = await lab.newDeps();
    server = createApp(l.deps, 'public').listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    read = await l.token('read', 'laptop');
    const write = await l.token('write', 'ci');
    const put = await fetch(`${url}/v1/projects/acme`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${write}`, 'content-type': 'application/json' },
      body: JSON.stringify(parse(projectYaml('acme'))),
    });
    expect(put.status).toBe(201);
    hetzner = await startFakeHetzner({ token: 'h'.repeat(64) });
  });
  afterAll(async () => {
    await hetzner?.close();
    server?.close();
    await lab?.close();
  });

  it('when the registry has acme and the specs add blog, then acme is unchanged and blog is a create', async () => {
    const root = await tempDir();
    await writeFleetDir(root, {
      'projects/acme.yaml': projectYaml('acme'),
      'projects/blog.yaml': projectYaml('blog'),
    });
    const run = await runCli(['plan', '--root', root, '--master', url], {
      cwd: root,
      env: { SUPAFLEET_API_TOKEN: read },
    });
    expect(run.stderr).toContain(`planned against ${url}; Hetzner servers not read`);
    expect(run.stdout).toContain('+ blog: create');
    expect(run.stdout).toContain('1 to create, 0 to update, 0 to delete, 0 blocked, 1 unchanged');
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(read);
  });

  it('when Hetzner is read and acme has no server, then acme is created again with a warning', async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'projects/acme.yaml': projectYaml('acme') });
    const run = await runCli(['plan', '--root', root, '--master', url], {
      cwd: root,
      env: { SUPAFLEET_API_TOKEN: read, HCLOUD_TOKEN: 'h'.repeat(64), HCLOUD_ENDPOINT: hetzner.url },
    });
    expect(run.stderr).toContain(`planned against ${url} and the fleet's Hetzner servers`);
    expect(run.stdout).toContain('server of acme is missing and will be created again');
    expect(run.code).toBe(0);
  });

  it('when the spec of a registered project changes, then the plan shows an in-place update', async () => {
    const root = await tempDir();
    await writeFleetDir(root, {
      'projects/acme.yaml': projectYaml('acme', 'storage: { file_size_limit_mb: 80 }\n'),
    });
    const run = await runCli(['plan', '--root', root, '--master', url, '--json'], {
      cwd: root,
      env: { SUPAFLEET_API_TOKEN: read },
    });
    const parsed = JSON.parse(run.stdout) as { steps: { kind: string; project: string }[] };
    expect(parsed.steps.map((s) => [s.kind, s.project])).toEqual([['update', 'acme']]);
  });

  it.each<[Record<string, string>, RegExp, string | undefined]>([
    [{}, /SUPAFLEET_API_TOKEN is not set/, undefined],
    [{ SUPAFLEET_API_TOKEN: 'x' }, /must be https/, 'http://fleet.example.com'],
    [{ SUPAFLEET_API_TOKEN: 'x' }, /is not a URL/, 'not a url'],
  ])(
    'when --master is misused (%o), then it is a usage error naming the fix',
    async (env, message, master) => {
      const root = await tempDir();
      await writeFleetDir(root, { 'projects/acme.yaml': projectYaml('acme') });
      const run = await runCli(['plan', '--root', root, '--master', master ?? url], { cwd: root, env });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
    },
  );

  it("when the token is wrong, then the plan fails with the master's refusal and no token in the output", async () => {
    const root = await tempDir();
    await writeFleetDir(root, { 'projects/acme.yaml': projectYaml('acme') });
    const run = await runCli(['plan', '--root', root, '--master', url], {
      cwd: root,
      env: { SUPAFLEET_API_TOKEN: 'sft_wrong-token-value' },
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/401/);
    expect(run.stdout + run.stderr).not.toContain('sft_wrong-token-value');
  });
});
