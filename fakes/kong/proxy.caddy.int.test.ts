import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedCaddy } from '../../test/support/caddy.ts';
import { caddySkipReason, httpsOnLoopback, startCaddy } from '../../test/support/caddy.ts';
import { createKongAdminClient } from '../../master/src/kong/client.ts';
import type { KongProjectInput } from '../../master/src/kong/desired.ts';
import type { StartedFakeKong } from './fake.ts';
import { startFakeKong } from './fake.ts';
import { pollUntil } from './poll.ts';
import type { ProxyLogEntry } from './proxy.ts';
import { reconcileAll } from '../../master/src/kong/reconcile.ts';
import { projectInput, secretsOf } from '../../master/src/kong/test/fixtures.ts';

const skipReason = caddySkipReason();
if (skipReason) console.log(`skipping the data path through Caddy: ${skipReason}`);
const suite = skipReason ? describe.skip : describe;

const DOMAIN = 'demo.test';

suite('data path: HTTPS through real Caddy to the Kong fake proxy to a worker stand-in', () => {
  let caddy: StartedCaddy;
  let kong: StartedFakeKong;
  let acme: KongProjectInput;
  let blog: KongProjectInput;
  const logs: ProxyLogEntry[] = [];
  const seen: { url: string; consumer: string | undefined; proto: string | undefined }[] = [];
  // acme's PostgREST stand-in
  const worker = createServer((req, res) => {
    seen.push({
      url: req.url ?? '',
      consumer: req.headers['x-consumer-username'] as string | undefined,
      proto: req.headers['x-forwarded-proto'] as string | undefined,
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify([{ id: 1, title: 'from acme' }]));
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => worker.listen(0, '127.0.0.1', resolve));
    const workerPort = (worker.address() as AddressInfo).port;
    acme = projectInput('acme', { domain: DOMAIN, upstreamHost: '10.100.0.2' });
    blog = projectInput('blog', { domain: DOMAIN, upstreamHost: '10.100.0.3' });
    kong = await startFakeKong({
      proxy: {
        // acme's worker REST port is the stand-in; everything else is unreachable
        dial: ({ host, port }) => ({
          host: '127.0.0.1',
          port: host === '10.100.0.2' && port === 3000 ? workerPort : 9,
        }),
        maxTimeoutMs: 2_000,
        stateDelayMs: 300,
        log: (e) => logs.push(e),
      },
    });
    await reconcileAll(createKongAdminClient({ baseUrl: kong.url }), [acme, blog]);
    caddy = await startCaddy({ sites: [{ hosts: [`*.${DOMAIN}`], upstream: new URL(kong.proxyUrl!).host }] });
  });

  afterAll(async () => {
    await caddy?.stop();
    await kong?.close();
    worker.closeAllConnections();
    await new Promise<void>((resolve) => worker.close(() => resolve()));
  });

  const get = (key: string, path = '/rest/v1/todos?select=*'): ReturnType<typeof httpsOnLoopback> =>
    httpsOnLoopback({
      host: `acme.${DOMAIN}`,
      port: caddy.httpsPort,
      path,
      ca: caddy.rootCa,
      headers: { apikey: key },
    });

  it("when https://acme.<domain>/rest/v1/ is called with acme's anon key, then acme's worker stand-in answers (once Kong applied the routes)", async () => {
    const res = await pollUntil(
      () => get(acme.anonKey.reveal()),
      (r) => r.status === 200,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual([{ id: 1, title: 'from acme' }]);
    expect(seen.at(-1)).toEqual({ url: '/todos?select=*', consumer: 'acme-anon', proto: 'https' });
  });

  it("when the same request carries blog's anon key, then Kong refuses it with 403 and the worker sees nothing", async () => {
    const before = seen.length;
    const res = await get(blog.anonKey.reveal());
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toMatchObject({ message: 'You cannot consume this service' });
    expect(seen.length).toBe(before);
  });

  it('when the requests are done, then neither Caddy nor the proxy logged a key', () => {
    const text = caddy.output() + JSON.stringify(logs);
    expect(logs.length).toBeGreaterThanOrEqual(2);
    for (const s of secretsOf([acme, blog])) expect(text).not.toContain(s);
  });
});
