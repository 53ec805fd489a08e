/**
 * The master's Caddyfile with the admin zone, against the real Caddy: `caddy validate`
 * accepts every layout (default zone, a zone of its own, basic auth, wildcard), and a
 * running Caddy with the rendered file (test-safe globals, the internal CA in place of
 * the DNS provider, a loopback echo server in place of Kong) strips Authelia's cookie
 * from project requests, passes a project's own cookies, and sends the old dashboard
 * path at fleet.<domain> to the admin zone; behind a stand-in for Authelia's forward_auth,
 * a project's Studio host (studio-<name>.<admin zone>) reaches the master's Studio front and
 * any other name in the zone gets 404. Caddy is stopped by PID; every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFleet, type ResolvedFleet } from '../../core/spec/defaults.ts';
import { freePort } from '../../test/support/postgres.ts';
import { caddySkipReason, CADDY_BIN } from '../../test/support/caddy.ts';
import { renderCaddyfile } from '../master/caddyfile.ts';
import { fleetSpec } from './fixtures/specs.ts';
import { caddyValidate } from './validators.ts';

const skip = caddySkipReason();
if (skip) console.log(`skipping the admin zone Caddy tests: ${skip}`);

const BCRYPT = '$2a$14$abcdefghijklmnopqrstuuPn0g3dZ6oTgVY1FZGcsrOqQsU4gnwW.';
/** The stock Caddy here has no DNS provider modules (the master's image has): the internal CA instead. */
const withoutDns = (caddyfile: string): string =>
  caddyfile.replaceAll(/dns (hetzner|cloudflare) \{env\.DNS_API_TOKEN\}/g, 'issuer internal');

const layouts: readonly [string, ResolvedFleet][] = [
  ['the default zone (admin.<domain>), on demand', resolveFleet(fleetSpec)],
  ['a zone of its own', resolveFleet({ ...fleetSpec, admin_domain: 'ops.example.net' })],
  ['basic auth instead of Authelia', resolveFleet({ ...fleetSpec, authelia: { enabled: false } })],
  [
    'a wildcard certificate',
    resolveFleet({
      ...fleetSpec,
      tls: { mode: 'wildcard_dns', dns_provider: 'hetzner', email: 'ops@example.com' },
    }),
  ],
];

describe.skipIf(skip !== undefined)('the admin zone in the real Caddy', () => {
  it.each(layouts)('when the Caddyfile for %s is validated, then caddy accepts it', (_, fleet) => {
    expect(caddyValidate(withoutDns(renderCaddyfile(fleet)), { DASHBOARD_PASSWORD_HASH: BCRYPT })).toEqual(
      [],
    );
  });

  describe('when Caddy runs the rendered Caddyfile', () => {
    let caddy: ChildProcess | undefined;
    let echo: Server;
    let authelia: Server;
    let dir: string;
    let httpsPort: number;
    let rootCa: string;
    let output = '';

    beforeAll(async () => {
      // Kong's and the master API's stand-in: answers with the Cookie and Authorization it received.
      echo = createServer((req, res) => {
        if (req.url === '/console/api/events') {
          // the console's event stream: one event, then the stream stays open
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('event: fleet\ndata: {}\n\n');
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            cookie: req.headers.cookie ?? null,
            host: req.headers.host,
            authorization: req.headers.authorization ?? null,
          }),
        );
      });
      await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
      const kong = `127.0.0.1:${(echo.address() as AddressInfo).port}`;
      // Authelia's stand-in for forward_auth: a session cookie `authelia_session=ok` passes, else 401.
      authelia = createServer((req, res) => {
        res.writeHead(/(?:^|;\s*)authelia_session=ok(?:;|$)/.test(req.headers.cookie ?? '') ? 200 : 401);
        res.end();
      });
      await new Promise<void>((r) => authelia.listen(0, '127.0.0.1', () => r()));
      const gate = `127.0.0.1:${(authelia.address() as AddressInfo).port}`;

      dir = await mkdtemp(join(tmpdir(), 'supafleet-admin-caddy-'));
      const [adminPort, httpPort] = [await freePort(), await freePort()];
      httpsPort = await freePort();
      const fleet = resolveFleet({
        ...fleetSpec,
        tls: { mode: 'wildcard_dns', dns_provider: 'hetzner', email: 'ops@example.com' },
      });
      const rendered = withoutDns(
        renderCaddyfile(fleet, {
          extraGlobals: [
            `admin 127.0.0.1:${adminPort}`,
            'default_bind 127.0.0.1',
            'local_certs',
            'skip_install_trust',
            `http_port ${httpPort}`,
            `https_port ${httpsPort}`,
            `storage file_system ${join(dir, 'storage')}`,
          ],
        }),
      );
      expect(rendered).toContain('reverse_proxy 127.0.0.1:8000');
      await writeFile(
        join(dir, 'Caddyfile'),
        rendered
          .replaceAll('127.0.0.1:8000', kong)
          .replaceAll('127.0.0.1:8080', kong)
          .replaceAll('127.0.0.1:8090', kong)
          .replaceAll('127.0.0.1:9091', gate),
      );
      const child = spawn(CADDY_BIN, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: dir,
          XDG_DATA_HOME: dir,
          XDG_CONFIG_HOME: dir,
          DNS_API_TOKEN: 'unused',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      caddy = child;
      const remember = (c: Buffer): void => {
        output = (output + c.toString('utf8')).slice(-32 * 1024);
      };
      child.stdout?.on('data', remember);
      child.stderr?.on('data', remember);

      // Ready when the internal CA exists and a project host answers through it (≤ 20 s).
      const deadline = Date.now() + 20_000;
      for (let i = 0; i < 200 && Date.now() < deadline; i++) {
        if (child.exitCode !== null) throw new Error(`caddy exited: ${output}`);
        try {
          rootCa = await readFile(join(dir, 'storage', 'pki', 'authorities', 'local', 'root.crt'), 'utf8');
          const r = await get('probe.example.com', '/');
          if (r.status === 200) return;
        } catch {
          // not up yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`caddy did not become ready: ${output}`);
    }, 30_000);

    afterAll(async () => {
      const c = caddy;
      if (c?.pid !== undefined && c.exitCode === null && c.signalCode === null) {
        const exited = new Promise<void>((r) => c.once('exit', () => r()));
        process.kill(c.pid, 'SIGTERM');
        const timer = setTimeout(() => {
          if (c.pid !== undefined && c.exitCode === null && c.signalCode === null)
            process.kill(c.pid, 'SIGKILL');
        }, 5_000);
        await exited;
        clearTimeout(timer);
      }
      echo?.closeAllConnections();
      await new Promise<void>((r) => (echo ? echo.close(() => r()) : r()));
      authelia?.closeAllConnections();
      await new Promise<void>((r) => (authelia ? authelia.close(() => r()) : r()));
      if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    });

    function get(
      host: string,
      path: string,
      cookie?: string,
      authorization?: string,
    ): Promise<{ status: number; location?: string; body: string }> {
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: httpsPort,
            servername: host,
            path,
            ca: rootCa,
            headers: {
              host,
              ...(cookie !== undefined ? { cookie } : {}),
              ...(authorization !== undefined ? { authorization } : {}),
            },
            timeout: 5_000,
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                ...(res.headers.location !== undefined ? { location: res.headers.location } : {}),
                body,
              }),
            );
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end();
      });
    }
    const cookieSeen = async (cookie: string): Promise<string | null> =>
      (
        JSON.parse((await get('acme.example.com', '/rest/v1/todos', cookie)).body) as {
          cookie: string | null;
        }
      ).cookie;

    const stripped: readonly [string, string][] = [
      ['alone', 'authelia_session=s3cr3t'],
      ['first of several', 'authelia_session=s3cr3t; theme=dark'],
      ['after another cookie', 'theme=dark; authelia_session=s3cr3t'],
      ['after another cookie, no space', 'theme=dark;authelia_session=s3cr3t'],
    ];
    it.each(stripped)(
      'when a project request carries the Authelia cookie %s, then Kong receives no Cookie header',
      async (_, cookie) => {
        expect(await cookieSeen(cookie)).toBeNull();
      },
    );

    it("when a project request carries only the project's own cookies, then they reach Kong unchanged", async () => {
      expect(await cookieSeen('theme=dark; sb-acme-auth-token=abc')).toBe(
        'theme=dark; sb-acme-auth-token=abc',
      );
      // A name that merely ends like Authelia's is not Authelia's.
      expect(await cookieSeen('xauthelia_session=1')).toBe('xauthelia_session=1');
    });

    it('when the old dashboard path is asked at fleet.<domain>, then Caddy redirects to the admin zone', async () => {
      const r = await get('fleet.example.com', '/dashboard/projects?x=1');
      expect(r.status).toBe(302);
      expect(r.location).toBe('https://fleet.admin.example.com/dashboard/projects?x=1');
    });

    it('when the console is asked at fleet.<domain>, then Caddy redirects to the admin zone', async () => {
      const r = await get('fleet.example.com', '/console/');
      expect(r.status).toBe(302);
      expect(r.location).toBe('https://fleet.admin.example.com/console/');
    });

    it("when the console's data is asked on the admin host with a token, then it reaches the master with the token, past the gate", async () => {
      const r = await get('fleet.admin.example.com', '/console/api/fleet', undefined, 'Bearer sft_x.y');
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ authorization: 'Bearer sft_x.y' });
    });

    it("when the console's Project page calls a project action on the admin host with a token, then it reaches the master past the gate", async () => {
      const r = await get(
        'fleet.admin.example.com',
        '/v1/projects/acme/credentials',
        undefined,
        'Bearer sft_x.y',
      );
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ authorization: 'Bearer sft_x.y' });
    });

    it('when any other API path is asked on the admin host, then the gate answers, not the master', async () => {
      const r = await get('fleet.admin.example.com', '/v1/tokens', undefined, 'Bearer sft_x.y');
      expect(r.status).not.toBe(200);
      expect(r.body).not.toContain('"authorization"');
    });

    it("when the console's page is asked on the admin host, then the gate answers, not the master", async () => {
      // Authelia is not running here: the gate's forward_auth fails, and nothing reaches the API.
      const r = await get('fleet.admin.example.com', '/console/', undefined, 'Bearer sft_x.y');
      expect(r.status).not.toBe(200);
      expect(r.body).not.toContain('"authorization"');
    });

    it("when a project's Studio host is asked with a session, then it reaches the master's Studio front with its Host", async () => {
      const r = await get('studio-acme.admin.example.com', '/project/default', 'authelia_session=ok');
      expect(r.status).toBe(200);
      expect((JSON.parse(r.body) as { host: string }).host).toBe('studio-acme.admin.example.com');
    });

    it("when a project's Studio host is asked without a session, then the gate answers and the front sees nothing", async () => {
      const r = await get('studio-acme.admin.example.com', '/project/default');
      expect(r.status).toBe(401);
      expect(r.body).not.toContain('"host"');
    });

    it('when another name in the admin zone is asked, then 404 even with a session; studio. leads to the console', async () => {
      for (const host of [
        'other.admin.example.com',
        'studio-.admin.example.com',
        'xstudio-acme.admin.example.com',
      ]) {
        const r = await get(host, '/', 'authelia_session=ok');
        expect(r.status, host).toBe(404);
        expect(r.body, host).not.toContain('"host"');
      }
      const old = await get('studio.admin.example.com', '/project/default');
      expect(old.status).toBe(302);
      expect(old.location).toBe('https://fleet.admin.example.com/console/');
    });

    it("when the console's event stream is open, then Caddy passes each event on at once, before the stream ends", async () => {
      const first = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: httpsPort,
            servername: 'fleet.admin.example.com',
            path: '/console/api/events',
            ca: rootCa,
            headers: { host: 'fleet.admin.example.com', authorization: 'Bearer sft_x.y' },
            timeout: 5_000,
          },
          (res) => {
            res.setEncoding('utf8');
            res.once('data', (c: string) => {
              resolve(c);
              req.destroy();
            });
          },
        );
        req.on('timeout', () => req.destroy(new Error('no event within 5 s: Caddy buffered the stream')));
        req.on('error', reject);
        req.end();
      });
      expect(first).toBe('event: fleet\ndata: {}\n\n');
    });
  });
});
