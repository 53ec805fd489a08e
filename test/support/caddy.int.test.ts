import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedCaddy } from './caddy.ts';
import { CADDY_BIN, caddySkipReason, httpsOnLoopback, renderTestCaddyfile, startCaddy } from './caddy.ts';
import { useTempDirs } from './temp-dir.ts';

const skipReason = caddySkipReason();
if (skipReason) console.log(`skipping Caddy integration tests: ${skipReason}`);
const suite = skipReason ? describe.skip : describe;

suite('test Caddy (real caddy, internal CA, loopback)', () => {
  const tempDir = useTempDirs('supafleet-caddyfile-');
  let caddy: StartedCaddy;
  const backend = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ host: req.headers.host, path: req.url, proto: req.headers['x-forwarded-proto'] }),
    );
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const port = (backend.address() as AddressInfo).port;
    caddy = await startCaddy({ sites: [{ hosts: ['*.demo.test'], upstream: `127.0.0.1:${port}` }] });
  });

  afterAll(async () => {
    await caddy?.stop();
    backend.closeAllConnections();
    await new Promise<void>((resolve) => backend.close(() => resolve()));
  });

  it('when the generated Caddyfile is checked by caddy validate, then it is valid', async () => {
    const dir = await tempDir();
    const file = join(dir, 'Caddyfile');
    await writeFile(
      file,
      renderTestCaddyfile({
        adminPort: 20019,
        httpPort: 20080,
        httpsPort: 20443,
        storage: join(dir, 'storage'),
        sites: [{ hosts: ['*.demo.test'], upstream: '127.0.0.1:8000' }],
      }),
    );
    const r = spawnSync(CADDY_BIN, ['validate', '--config', file, '--adapter', 'caddyfile'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    });
    expect(r.status, r.stderr).toBe(0);
  });

  it('when a host under the wildcard site is requested over HTTPS with the internal root CA, then the backend answers with the original Host', async () => {
    const res = await httpsOnLoopback({
      host: 'acme.demo.test',
      port: caddy.httpsPort,
      path: '/x?y=1',
      ca: caddy.rootCa,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({
      host: `acme.demo.test:${caddy.httpsPort}`,
      path: '/x?y=1',
      proto: 'https',
    });
  });

  it('when the client does not trust the internal CA, then the TLS handshake is refused', async () => {
    await expect(
      httpsOnLoopback({ host: 'acme.demo.test', port: caddy.httpsPort, path: '/', ca: '' }),
    ).rejects.toThrow();
  });

  it('when a site host or upstream is malformed, then the Caddyfile is refused naming the bad value', () => {
    expect(() =>
      renderTestCaddyfile({
        adminPort: 1,
        httpPort: 2,
        httpsPort: 3,
        storage: '/tmp/s',
        sites: [{ hosts: ['Bad Host'], upstream: 'nowhere' }],
      }),
    ).toThrow(/site host "Bad Host" is invalid.*upstream "nowhere" is invalid/);
  });

  it('when stopped, then the process is gone and its temp dir removed', async () => {
    const other = await startCaddy({ sites: [{ hosts: ['*.other.test'], upstream: '127.0.0.1:9' }] });
    expect(existsSync(other.dir)).toBe(true);
    await other.stop();
    expect(existsSync(other.dir)).toBe(false);
    expect(() => process.kill(other.pid, 0)).toThrow();
    await other.stop();
  });
});
