import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli-io.ts';

describe('supafleet smoke: usage', () => {
  const cases: { name: string; argv: string[]; env?: Record<string, string>; want: RegExp }[] = [
    { name: 'no master and no --url', argv: ['smoke', 'acme'], want: /no master: pass --master/ },
    {
      name: 'a master without a token',
      argv: ['smoke', 'acme', '--master', 'https://fleet.example.com'],
      want: /SUPAFLEET_API_TOKEN is not set/,
    },
    {
      name: '--url without the keys',
      argv: ['smoke', 'acme', '--url', 'https://acme.example.com'],
      want: /SUPAFLEET_SMOKE_ANON_KEY and SUPAFLEET_SMOKE_SERVICE_ROLE_KEY are not set/,
    },
    {
      name: 'plain http to a public host',
      argv: ['smoke', 'acme', '--url', 'http://acme.example.com'],
      want: /must be https/,
    },
    {
      name: 'a bad --connect-to',
      argv: ['smoke', 'acme', '--url', 'https://acme.example.com', '--connect-to', 'nowhere'],
      want: /--connect-to "nowhere" is not valid/,
    },
    { name: 'a bad project name', argv: ['smoke', 'Acme!'], want: /not a project name/ },
    {
      name: '--via-master without a token',
      argv: ['smoke', 'acme', '--via-master', '--master', 'https://fleet.example.com'],
      want: /SUPAFLEET_API_TOKEN is not set: the master runs the smoke for a token with write scope/,
    },
    {
      name: '--via-master with flags only a local smoke uses',
      argv: ['smoke', 'acme', '--via-master', '--connect-to', '127.0.0.1:8443', '--cacert', 'ca.pem'],
      want: /--via-master runs the smoke on the master.*--connect-to and --cacert cannot apply/,
    },
  ];
  for (const c of cases) {
    it(`when called with ${c.name}, then it exits 2 and says what is missing`, async () => {
      const run = await runCli(c.argv, { cwd: process.cwd(), env: c.env ?? {} });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(c.want);
    });
  }
});

describe('supafleet smoke --via-master', () => {
  it("when --timeout is given, then the master is asked to hold each step to it, and the master's report is printed", async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            project: 'acme',
            url: 'https://acme.example.com',
            ok: true,
            ms: 7,
            steps: [{ name: 'auth: create user', outcome: 'ok', ms: 7 }],
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const run = await runCli(
        ['smoke', 'acme', '--via-master', '--master', `http://127.0.0.1:${port}`, '--timeout', '4', '--json'],
        { cwd: process.cwd(), env: { SUPAFLEET_API_TOKEN: 'write-token' } },
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(bodies).toEqual(['POST /v1/projects/acme/smoke {"step_timeout_s":4}']);
      expect(JSON.parse(run.stdout)).toMatchObject({ project: 'acme', ok: true });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
