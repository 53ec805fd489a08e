/**
 * The worker's enrollment script, run for real by bash against a master stand-in
 * on loopback (real wg for keys, real curl and jq; systemctl and docker are
 * stand-ins): it sends a valid enroll request, writes a wg0.conf that wg-quick
 * reads and an agent config that matches its schema, and refuses answers that
 * could smuggle text into those files.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import agentConfigSchema from '../../schemas/agent-config.schema.json' with { type: 'json' };
import enrollRequestSchema from '../../schemas/api/enroll-request.schema.json' with { type: 'json' };
import enrollResponseSchema from '../../schemas/api/enroll-response.schema.json' with { type: 'json' };
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { placeholderEnrollment } from '../placeholders.ts';
import { renderWorkerUserData } from '../worker/user-data.ts';
import { decodeUserData } from './decode.ts';
import { fleetSpec, projectSpecs } from './fixtures/specs.ts';
import { missingTools, wgQuickStrip } from './validators.ts';

// The script exactly as the worker gets it: from the rendered user_data (comments stripped).
const ENROLL = decodeUserData(
  renderWorkerUserData({
    fleet: resolveFleet(fleetSpec),
    project: resolveProject(projectSpecs.minimal!),
    enrollment: placeholderEnrollment('example.com'),
  }).text,
).files.find((f) => f.path === '/usr/local/sbin/supafleet-enroll')!.content;
const missing = missingTools(['bash', 'jq', 'curl', 'wg']);
const ajv = new Ajv2020({ strict: false });
const validRequest = ajv.compile(enrollRequestSchema);
const validResponse = ajv.compile(enrollResponseSchema);
const validAgentConfig = ajv.compile(agentConfigSchema);

const MASTER_KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const TOKEN = 'sfe_0123456789abcdefghijklmnop';

function answer(overrides: { wg?: Record<string, unknown>; agent?: Record<string, unknown> } = {}) {
  return {
    project: 'acme',
    wg: {
      address: '10.100.0.2/24',
      master_public_key: MASTER_KEY,
      master_endpoint: '203.0.113.10:51820',
      allowed_ips: '10.100.0.0/24',
      persistent_keepalive: 25,
      ...overrides.wg,
    },
    agent: {
      master_url: 'http://10.100.0.1:8081',
      token: 'sfa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      listen: '10.100.0.2:8082',
      command_key: 'k3yAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      ...overrides.agent,
    },
  };
}

let dir = '';
let server: Server | undefined;
let requests: unknown[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sf-enroll-'));
  requests = [];
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'root', 'var', 'log'), { recursive: true });
  mkdirSync(join(dir, 'root', 'etc', 'supafleet'), { recursive: true });
  mkdirSync(join(dir, 'root', 'etc', 'cron.d'), { recursive: true });
  for (const name of ['systemctl', 'docker', 'chown']) {
    writeFileSync(join(dir, 'bin', name), `#!/bin/sh\necho "${name} $*" >>"$STUB_LOG"\n`);
    chmodSync(join(dir, 'bin', name), 0o755);
  }
  writeFileSync(join(dir, 'root', 'etc', 'supafleet', 'agent-compose.yml'), 'services: {}\n');
});

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function startMaster(reply: unknown): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ path: req.url, body: JSON.parse(body) });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

function runEnroll(masterUrl: string): Promise<{ code: number | null; log: string; bootLog: string }> {
  writeFileSync(
    join(dir, 'root', 'etc', 'supafleet', 'enroll.json'),
    JSON.stringify({
      master_url: masterUrl,
      master_wg_public_key: MASTER_KEY,
      token: TOKEN,
      agent_uid: 1000,
    }),
  );
  const script = join(dir, 'enroll.sh');
  writeFileSync(script, ENROLL, { mode: 0o700 });
  return new Promise((resolve) => {
    const child = spawn('bash', [script], {
      env: {
        PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
        SUPAFLEET_ROOT: join(dir, 'root'),
        STUB_LOG: join(dir, 'stub.log'),
      },
      stdio: 'ignore',
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const log = join(dir, 'stub.log');
      const boot = join(dir, 'root', 'var', 'log', 'supafleet-bootstrap.log');
      resolve({
        code,
        log: existsSync(log) ? readFileSync(log, 'utf8') : '',
        bootLog: existsSync(boot) ? readFileSync(boot, 'utf8') : '',
      });
    });
  });
}

const file = (...p: string[]) => join(dir, 'root', ...p);

describe.skipIf(missing.length > 0)('worker enrollment script', () => {
  it('when the master answers, then the worker sends its own public keys and writes wg0.conf and the agent config', async () => {
    expect(validResponse(answer())).toBe(true);
    const r = await runEnroll(await startMaster(answer()));
    expect(r.code).toBe(0);
    expect(requests).toHaveLength(1);
    const req = requests[0] as { path: string; body: Record<string, string> };
    expect(req.path).toBe('/v1/enroll');
    expect(validRequest(req.body), JSON.stringify(validRequest.errors)).toBe(true);
    expect(req.body.token).toBe(TOKEN);

    const wgConf = readFileSync(file('etc', 'wireguard', 'wg0.conf'), 'utf8');
    expect(wgQuickStrip(wgConf)).toEqual([]);
    expect(wgConf).toContain(
      `PublicKey = ${MASTER_KEY}\nEndpoint = 203.0.113.10:51820\nAllowedIPs = 10.100.0.0/24\nPersistentKeepalive = 25`,
    );
    expect(wgConf).toContain('Address = 10.100.0.2/24');
    expect(wgConf).not.toContain('PrivateKey');
    // only the worker's own wg address is reachable through the tunnel (isolation.e2e attacks it)
    expect(wgConf).toContain(
      'PostUp = iptables -w -t raw -I PREROUTING -i %i ! -d 10.100.0.2/32 -j DROP\n' +
        'PostDown = iptables -w -t raw -D PREROUTING -i %i ! -d 10.100.0.2/32 -j DROP\n',
    );

    const agent = JSON.parse(readFileSync(file('etc', 'supafleet', 'agent.json'), 'utf8'));
    expect(validAgentConfig(agent), JSON.stringify(validAgentConfig.errors)).toBe(true);
    expect(statSync(file('etc', 'supafleet', 'agent.json')).mode & 0o777).toBe(0o600);
    expect(statSync(file('etc', 'supafleet', 'seal.key')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file('etc', 'supafleet', 'enroll.json'), 'utf8'))).not.toHaveProperty(
      'token',
    );
    expect(existsSync(file('etc', 'supafleet', 'enroll-answer.json'))).toBe(false);
    expect(r.log).toMatch(
      /^chown 1000:1000 \S+\/etc\/supafleet\/agent\.json \S+\/etc\/supafleet\/seal\.key \S+\/opt\/supafleet$/m,
    );
    expect(readFileSync(file('etc', 'cron.d', 'supafleet-wg'), 'utf8')).toContain(
      '* * * * * root wg show wg0 latest-handshakes >/opt/supafleet/wg-latest-handshakes.tmp && mv ',
    );
    expect(r.log).toContain('systemctl enable --now wg-quick@wg0');
    expect(r.log).toMatch(/docker compose -p supafleet .* up -d/);
  });

  it.each([
    [
      'another master key',
      answer({ wg: { master_public_key: 'HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=' } }),
    ],
    [
      'a newline smuggling a peer into the address',
      answer({ wg: { address: '10.100.0.2/24\n[Peer]\nAllowedIPs = 0.0.0.0/0' } }),
    ],
    ['an endpoint with spaces', answer({ wg: { master_endpoint: '1.2.3.4:51820 PostUp = reboot' } })],
    ['a keepalive that is text', answer({ wg: { persistent_keepalive: '25\nPostUp = reboot' } })],
    ['an agent token with a quote', answer({ agent: { token: 'abc"def-----------------' } })],
  ])('when the answer carries %s, then nothing is written and the script fails', async (_name, reply) => {
    const r = await runEnroll(await startMaster(reply));
    expect(r.code).not.toBe(0);
    expect(r.bootLog).toContain("the master's answer is not valid");
    expect(existsSync(file('etc', 'wireguard', 'wg0.conf'))).toBe(false);
    expect(existsSync(file('etc', 'supafleet', 'agent.json'))).toBe(false);
    expect(r.log).not.toContain('docker');
  });
});
