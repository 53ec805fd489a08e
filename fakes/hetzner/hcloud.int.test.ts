/**
 * Contract test: the real `hcloud` CLI (Debian hcloud-cli) creates, lists by label,
 * describes, rebuilds and deletes a server against the fake.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeHetzner, type FakeHetzner } from './index.ts';

const run = promisify(execFile);
const TOKEN = 'h'.repeat(64);
const USER_DATA = '#cloud-config\nruncmd: [echo hello]\n';

async function hcloudAvailable(): Promise<boolean> {
  try {
    await run('hcloud', ['version'], { timeout: 10_000 });
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code !== 'ENOENT';
  }
}

const available = await hcloudAvailable();
if (!available && process.env.CI !== 'true') {
  console.log(
    'skipping the hcloud contract test: the hcloud CLI is not installed (Debian package hcloud-cli)',
  );
}

describe.skipIf(!available && process.env.CI !== 'true')('the hcloud CLI against the fake', () => {
  let fake: FakeHetzner;
  let dir: string;

  beforeAll(async () => {
    fake = await startFakeHetzner({ token: TOKEN, actionDurationMs: 200 });
    dir = mkdtempSync(join(tmpdir(), 'supafleet-hcloud-'));
    writeFileSync(join(dir, 'user-data.yaml'), USER_DATA);
  });

  afterAll(async () => {
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function hcloud(...args: string[]): Promise<string> {
    const { stdout } = await run('hcloud', args, {
      timeout: 30_000,
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        HCLOUD_ENDPOINT: fake.url,
        HCLOUD_TOKEN: TOKEN,
        HCLOUD_CONFIG: join(dir, 'cli.toml'),
      },
    });
    return stdout;
  }

  it('when the CLI creates, lists by label, describes and deletes a server, then each step succeeds', async () => {
    const created = await hcloud(
      'server',
      'create',
      '--name',
      'demo-acme',
      '--type',
      'cx22',
      '--image',
      'ubuntu-24.04',
      '--location',
      'fsn1',
      '--label',
      'supafleet/fleet=demo',
      '--label',
      'supafleet/project=acme',
      '--label',
      'supafleet/role=worker',
      '--user-data-from-file',
      join(dir, 'user-data.yaml'),
    );
    expect(created).toMatch(/Server \d+ created/);
    expect(fake.state().servers).toMatchObject([
      { name: 'demo-acme', status: 'running', user_data_bytes: Buffer.byteLength(USER_DATA) },
    ]);

    const listed = JSON.parse(
      await hcloud(
        'server',
        'list',
        '-o',
        'json',
        '-l',
        'supafleet/fleet=demo,supafleet/project in (acme,blog)',
      ),
    ) as { name: string; labels: Record<string, string> }[];
    expect(listed.map((s) => [s.name, s.labels['supafleet/role']])).toEqual([['demo-acme', 'worker']]);
    const none = JSON.parse(await hcloud('server', 'list', '-o', 'json', '-l', 'supafleet/fleet=other')) as
      unknown[] | null;
    expect(none ?? []).toEqual([]); // the CLI prints null for an empty list

    const described = await hcloud('server', 'describe', 'demo-acme');
    expect(described).toMatch(/Name:\s+demo-acme/);
    expect(described).toMatch(/Server Type:\s+cx22/);
    expect(described).toMatch(/supafleet\/project: acme/);

    expect(await hcloud('server', 'delete', 'demo-acme')).toMatch(/deleted/);
    expect(fake.state().servers).toEqual([]);

    const kinds = new Set(fake.calls().map((c) => c.kind));
    expect([...kinds]).toEqual(
      expect.arrayContaining(['POST /servers', 'GET /servers', 'DELETE /servers/{id}']),
    );
    expect(fake.calls().every((c) => c.status < 400)).toBe(true);
  });

  it('when the CLI creates a firewall and applies it by label selector, then workers carry it', async () => {
    const rules = join(dir, 'rules.json');
    writeFileSync(
      rules,
      JSON.stringify([{ direction: 'in', protocol: 'tcp', port: '22', source_ips: ['0.0.0.0/0', '::/0'] }]),
    );
    expect(
      await hcloud(
        'firewall',
        'create',
        '--name',
        'demo-workers',
        '--label',
        'supafleet/fleet=demo',
        '--rules-file',
        rules,
      ),
    ).toMatch(/Firewall \d+ created/);
    await hcloud(
      'firewall',
      'apply-to-resource',
      'demo-workers',
      '--type',
      'label_selector',
      '--label-selector',
      'supafleet/fleet=demo,supafleet/role=worker',
    );
    await hcloud(
      'server',
      'create',
      '--name',
      'demo-blog',
      '--type',
      'cx22',
      '--image',
      'ubuntu-24.04',
      '--label',
      'supafleet/fleet=demo',
      '--label',
      'supafleet/project=blog',
      '--label',
      'supafleet/role=worker',
    );
    const described = await hcloud('firewall', 'describe', 'demo-workers');
    expect(described).toMatch(/Label Selector:\s+supafleet\/fleet=demo,supafleet\/role=worker/);
    const server = JSON.parse(await hcloud('server', 'describe', 'demo-blog', '-o', 'json')) as {
      public_net: { firewalls: { id: number }[] };
    };
    expect(server.public_net.firewalls).toHaveLength(1);
    await hcloud('server', 'delete', 'demo-blog');
    await hcloud('firewall', 'delete', 'demo-workers');
    expect(fake.state()).toMatchObject({ servers: [], firewalls: [] });
  });
  it('when the CLI rebuilds a server by name, then it keeps its id and IPv4 and runs again', async () => {
    await hcloud(
      'server',
      'create',
      '--name',
      'demo-master',
      '--type',
      'cx22',
      '--image',
      'ubuntu-24.04',
      '--label',
      'supafleet/fleet=demo',
      '--label',
      'supafleet/role=master',
      '--user-data-from-file',
      join(dir, 'user-data.yaml'),
    );
    const before = JSON.parse(await hcloud('server', 'describe', 'demo-master', '-o', 'json')) as {
      id: number;
      public_net: { ipv4: { ip: string } };
    };
    const out = await hcloud('server', 'rebuild', '--image', 'ubuntu-24.04', 'demo-master');
    expect(out).toMatch(new RegExp(`Server ${before.id} rebuilt`));
    const after = JSON.parse(
      await hcloud('server', 'describe', 'demo-master', '-o', 'json'),
    ) as typeof before & {
      status: string;
    };
    expect(after).toMatchObject({
      id: before.id,
      status: 'running',
      public_net: { ipv4: before.public_net.ipv4 },
    });
    // Without --user-data the stored user_data stays.
    expect(fake.state().servers).toMatchObject([{ name: 'demo-master', user_data: USER_DATA }]);
    const rebuilds = fake.calls().filter((c) => c.kind === 'POST /servers/{id}/actions/rebuild');
    expect(rebuilds.map((c) => c.status)).toEqual([201]);
    await hcloud('server', 'delete', 'demo-master');
    expect(fake.state().servers).toEqual([]);
  });
});
