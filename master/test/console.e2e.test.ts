import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretValues } from '../../core/secrets/generate.ts';
import {
  chromiumSkipReason,
  openBrowser,
  screenshotDir,
  type ScreenshotDir,
  type TestBrowser,
} from '../../test/support/browser.ts';
import { freePort, postgresSkipReason } from '../../test/support/postgres.ts';
import { projectSecrets } from '../src/projects.ts';
import {
  collectBodies,
  createProject,
  enrollWorker,
  serveConsole,
  type ConsoleMaster,
} from './console-lab.ts';
import {
  callFrom,
  spec,
  startFakeAgent,
  startLab,
  type FakeAgent,
  type Lab,
  type LabDeps,
} from './harness.ts';

/**
 * The Fleet page in a real browser: Debian's Chromium driven by playwright-core against the
 * master API on loopback with a real Postgres. Screenshots go to $CONSOLE_SCREENSHOTS when set
 * (docs/img/ for docs/console.md), else to a temporary directory.
 */
const skip = postgresSkipReason() ?? chromiumSkipReason('the console browser tests');
if (skip) console.log(`skipping console browser tests: ${skip}`);

const WG_KEY = (n: number) => Buffer.alloc(32, n).toString('base64');

function heartbeat(project: string, services: { name: string; state: string }[], backup?: unknown) {
  return {
    project,
    sent_at: new Date().toISOString(),
    apply: { state: 'applied', revision: 1 },
    services,
    system: { disk_used_pct: 10, mem_used_pct: 20 },
    ...(backup === undefined ? {} : { backup }),
  };
}
const HEALTHY = ['db', 'auth', 'rest', 'realtime', 'storage'].map((name) => ({ name, state: 'healthy' }));

describe.skipIf(skip !== undefined)('fleet console in Chromium', () => {
  let lab: Lab;
  let l: LabDeps;
  let master: ConsoleMaster | undefined;
  let base: string;
  let agentUrl: string;
  let context: BrowserContext;
  let page: Page;
  let browser: TestBrowser | undefined;
  let shots: string;
  /** Where screenshots go: $CONSOLE_SCREENSHOTS, or a temporary directory removed afterwards. */
  let shotDir: ScreenshotDir | undefined;
  let read: string;
  let admin: string;
  const secrets: string[] = [];
  const agents = new Map<string, { ip: string; token: string; commandKey: string }>();
  let cmdPort: number;
  let fakeAgent: FakeAgent | undefined;
  const bodies: { url: string; text: string }[] = [];

  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as { enrollment: { token: string } } };
  };

  const beat = async (name: string, services = HEALTHY, backup?: unknown) => {
    const a = agents.get(name)!;
    const r = await callFrom(a.ip, `${agentUrl}/v1/agent/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}` },
      body: heartbeat(name, services, backup),
    });
    expect(r.status).toBe(200);
  };

  beforeAll(async () => {
    lab = await startLab();
    cmdPort = await freePort();
    l = await lab.newDeps({ settings: { agentCommandPort: cmdPort } });
    master = await serveConsole(l);
    ({ base, agentUrl } = master);

    const write = await l.token('write', 'ci-writer');
    read = await l.token('read', 'console');
    admin = await l.token('admin', 'ops');
    secrets.push(write, read, admin, l.fleetKeys.privateKey.reveal());

    const projects = [
      spec('acme', { server: { type: 'cx22', location: 'fsn1' } }),
      spec('blog', { server: { type: 'cx32', location: 'nbg1' } }),
      spec('shop', { server: { type: 'cax11', location: 'hel1' } }),
    ];
    let n = 0;
    for (const p of projects) {
      const name = String(p.name);
      const enrollmentToken = await createProject(base, write, p);
      secrets.push(enrollmentToken);
      if (name === 'shop') continue; // stays provisioning: never enrolled
      const wgKey = WG_KEY(++n);
      const agent = await enrollWorker(base, enrollmentToken, wgKey);
      secrets.push(...agent.secrets);
      agents.set(name, agent);
      // the peer handshook a few seconds ago
      const peer = l.peers.peers.get(wgKey)!;
      l.peers.peers.set(wgKey, { ...peer, latestHandshake: Math.floor(Date.now() / 1000) - 5 });
      secrets.push(...secretValues(await projectSecrets(l.deps, l.deps.registry, name)));
    }
    await beat('acme', HEALTHY, {
      success: true,
      finished_at: new Date(Date.now() - 3 * 3600_000).toISOString(),
      duration_s: 41,
      snapshot_id: '4f1a2b3c',
      size_bytes: 1048576,
      error: null,
    });
    await beat('blog');

    shotDir = screenshotDir();
    shots = shotDir.dir;
    browser = await openBrowser();
    context = browser.context;
    page = context.pages()[0] ?? (await context.newPage());
    // the event stream never ends; its content is checked below through its own request
    collectBodies(page, bodies);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await fakeAgent?.close();
    shotDir?.close();
    master?.close();
    await l?.close();
    await lab?.close();
  });

  it('when the page opens with a read token, then the table lists every project with health, revision, peer, server, cost and backup', async () => {
    await page.goto(`${base}/console/#token=${encodeURIComponent(read)}`);
    await page.locator('tr[data-project="acme"][data-state="healthy"]').waitFor({ timeout: 15_000 });
    expect(page.url()).toBe(`${base}/console/`); // the token left the address bar
    expect(await page.locator('#login').isVisible()).toBe(false);

    // in the page: each row's cells as a person reads them (innerText follows the layout)
    const rows = await page.evaluate<string[][]>(
      `[...document.querySelectorAll('#projects tbody tr')].map((tr) =>
        [...tr.querySelectorAll('th, td')].map((c) => c.innerText.replace(/\\s+/g, ' ').trim()))`,
    );
    expect(rows.map((r) => r[0])).toEqual([
      'acme acme.example.com',
      'blog blog.example.com',
      'shop shop.example.com',
    ]);
    const [acme, blog, shop] = rows as string[][];
    expect(acme![1]).toBe('healthy');
    expect(acme![3]).toBe('1 / 1');
    expect(acme![4]).toMatch(/^connected handshake \d+ s ago$/);
    expect(acme![5]).toBe('cx22 fsn1');
    expect(acme![6]).toMatch(/€|EUR/);
    expect(acme![7]).toBe('succeeded 3 h ago snapshot 4f1a2b3c');
    expect(blog![5]).toBe('cx32 nbg1');
    expect(blog![7]).toBe('none yet');
    expect(shop![1]).toBe('provisioning waiting for the first heartbeat');
    expect(shop![4]).toBe('not enrolled');

    const totals = await page.locator('#totals').innerText();
    expect(totals).toMatch(/Projects\s*3/);
    expect(totals).toMatch(/Healthy\s*2/);
    expect(totals).toMatch(/Provisioning\s*1/);
    expect(await page.locator('#master').innerText()).toMatch(
      /Master\s*healthy · WireGuard 2 peers · supafleet /,
    );
    // accessibility basics: column headers, row headers, a polite live region
    expect(await page.locator('#projects thead th[scope="col"]').count()).toBe(8);
    expect(await page.locator('#projects tbody th[scope="row"]').count()).toBe(3);
    expect(await page.locator('#announce[role="status"][aria-live="polite"]').count()).toBe(1);

    await page.screenshot({ path: join(shots, 'console-desktop.png'), fullPage: true });
  });

  it('when a heartbeat reports a service down, then the row turns degraded without a reload and the live region says so', async () => {
    await page.evaluate('window.notReloaded = true');
    await beat(
      'blog',
      HEALTHY.map((s) => (s.name === 'rest' ? { name: 'rest', state: 'unhealthy' } : s)),
    );
    const row = page.locator('tr[data-project="blog"]');
    await page.locator('tr[data-project="blog"][data-state="degraded"]').waitFor({ timeout: 10_000 });
    expect(await row.locator('td').first().innerText()).toMatch(/degraded\s*rest unhealthy/);
    expect(await page.locator('#announce').textContent()).toBe('blog is now degraded: rest unhealthy');
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(await page.locator('#connection').textContent()).toBe('Live');
  });

  it('when a backup is started for a project, then its row shows it running without a reload', async () => {
    const blog = agents.get('blog')!;
    fakeAgent = await startFakeAgent(blog.ip, cmdPort, blog.commandKey);
    const r = await api('POST', '/v1/projects/blog/backups', admin);
    expect(r.status).toBe(202);
    expect(fakeAgent.received.map((x) => x.verdict)).toEqual(['ok']);
    await page
      .locator('tr[data-project="blog"] td[data-label="Last backup"]', { hasText: 'running' })
      .waitFor({ timeout: 10_000 });
    expect(await page.evaluate('window.notReloaded')).toBe(true);
  });

  it('when no snapshot arrives for a while, then the ages on the page still count up', async () => {
    const handshake = page.locator('tr[data-project="acme"] td[data-label="WireGuard"] .sub');
    const first = await handshake.textContent();
    expect(first).toMatch(/^handshake \d+ s ago$/);
    await expect.poll(() => handshake.textContent(), { timeout: 5_000, interval: 250 }).not.toBe(first);
  });

  it('when the page is as narrow as a phone, then each project is a card that fits the width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(
      await page.evaluate("getComputedStyle(document.querySelector('#projects tbody tr')).display"),
    ).toBe('grid');
    await page.screenshot({ path: join(shots, 'console-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('when the page, its assets and its data are read, then no token, key or password is in them', async () => {
    const stream = await fetch(`${base}/console/api/events`, {
      headers: { authorization: `Bearer ${read}` },
    });
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(first).toMatch(/^event: fleet\ndata: \{/);
    const html = await page.content();
    const seen = [html, first, ...bodies.map((b) => b.text)].join('\n');
    expect(bodies.map((b) => new URL(b.url).pathname)).toEqual(
      expect.arrayContaining(['/console/', '/console/app.js', '/console/app.css']),
    );
    expect(secrets.length).toBeGreaterThan(20);
    for (const s of secrets) expect(seen.includes(s), 'a secret reached the page').toBe(false);
    // no sealed value (the script itself knows the prefix: the New project page checks specs)
    expect(seen).not.toMatch(/sealed:v1:[^\s"':]+:[^\s"':]+:[A-Za-z0-9+/]{16,}/);
    expect(seen).not.toContain('127.100.0.'); // no worker addresses either
  });

  it('when the data is asked without a token or with a bad one, then 401, and the page itself asks for a token', async () => {
    expect((await fetch(`${base}/console/api/fleet`)).status).toBe(401);
    expect(
      (await fetch(`${base}/console/api/events`, { headers: { authorization: 'Bearer sft_nope' } })).status,
    ).toBe(401);
    const fresh = await context.newPage();
    await fresh.goto(`${base}/console/`);
    await fresh.evaluate('sessionStorage.clear()');
    await fresh.reload();
    await fresh.locator('#login').waitFor({ state: 'visible', timeout: 10_000 });
    await fresh.fill('#token', 'sft_not-a-token');
    await fresh.keyboard.press('Enter');
    await expect.poll(() => fresh.locator('#login-error').textContent(), { timeout: 10_000 }).not.toBe('');
    await fresh.close();
    const page0 = await fetch(`${base}/console/`);
    expect(page0.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
