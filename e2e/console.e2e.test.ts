/**
 * The fleet console in a real browser against the namespace lab, reached as the demo reaches it:
 * examples/fleet applied to the lab (real master, real WireGuard, real agents), the real Caddy
 * running the master's own Caddyfile with its basic gate (e2e/demo/edge.ts), and the demo's
 * loopback entry with a one-time login link (e2e/demo/console-entry.ts), opened in Debian's
 * headless Chromium with the standard flags. The Fleet page, a live health change, the Project
 * page's Restart and Back up now reaching the real agents, "Open in Studio" showing each
 * project's own tables through the master's Studio front (with the lab's Studio stand-ins,
 * e2e/lab/studio/), and the gate itself. One lab and one browser serve every case; every wait
 * is bounded. Needs root, the WireGuard tools, PostgreSQL, Caddy and Chromium (skips with the
 * reason otherwise; fails instead when CI=true).
 */
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../core/apply/ports.ts';
import { caddySkipReason, httpsOnLoopback } from '../test/support/caddy.ts';
import { postgresSkipReason } from '../test/support/postgres.ts';
import { applyFleet, demoMasterClient, labTarget, loadFleet } from './demo/apply.ts';
import { memoryLogger } from '../core/apply/ports.ts';
import { startConsoleEntry, type ConsoleEntry } from './demo/console-entry.ts';
import { startDemoEdge, type DemoEdge } from './demo/edge.ts';
import { readExampleSealKey } from './lab/behind-caddy.ts';
import { chromiumSkipReason, openBrowser, type TestBrowser } from '../test/support/browser.ts';
import { standinPid } from './lab/commands.ts';
import { documentMarked, fleetRows, markDocument, waitForState } from './lab/console-page.ts';
import { leftovers, namespaceLabSkipReason, startFleetLab, type FleetLab } from './lab/index.ts';

const skip =
  process.env.CI === 'true'
    ? undefined
    : (namespaceLabSkipReason() ??
      postgresSkipReason() ??
      caddySkipReason() ??
      chromiumSkipReason('the console lab browser tests'));
if (skip) console.log(`skipping the console lab browser tests: ${skip}`);

const EXAMPLES = resolve('examples/fleet');

/** The PIDs of the stand-in running `service` on `project`'s worker (namespace lab). */
function standinPids(project: string, service: string, lab: FleetLab): number[] {
  const w = lab.workers().find((x) => x.name === project);
  if (!w) throw new Error(`no worker for ${project}`);
  const pid = standinPid(w.namespace, service);
  return pid === undefined ? [] : [pid];
}
const PROJECTS = ['acme', 'blog', 'shop'];

describe.skipIf(skip !== undefined)('the fleet console in Chromium, on the namespace lab', () => {
  let lab: FleetLab | undefined;
  let edge: DemoEdge | undefined;
  let entry: ConsoleEntry | undefined;
  let browser: TestBrowser | undefined;
  let page: Page;
  const lines: string[] = [];
  const log: Logger = {
    info: (l) => lines.push(l),
    warn: (l) => lines.push(`warning: ${l}`),
    error: (l) => lines.push(`error: ${l}`),
    mask: () => undefined,
  };

  beforeAll(async () => {
    const loaded = await loadFleet(EXAMPLES);
    lab = await startFleetLab({
      log: (l) => lines.push(`lab: ${l}`),
      fleet: { spec: loaded.fleet, sealPrivateKey: readExampleSealKey(EXAMPLES) },
    });
    edge = await startDemoEdge({
      fleet: loaded.fleet,
      kongProxy: new URL(lab.kongProxyUrl).host,
      masterApi: new URL(lab.masterUrl).host,
      studioFront: new URL(lab.studioFrontUrl!).host,
    });
    await lab.connectStudioEdge!({ httpsPort: edge.caddy.httpsPort, rootCa: edge.caddy.rootCa });
    const { results } = await applyFleet(loaded, labTarget(lab), log);
    expect(
      results.filter((r) => r.outcome === 'failed'),
      lines.join('\n'),
    ).toEqual([]);
    entry = await startConsoleEntry({
      caddy: { httpsPort: edge.caddy.httpsPort, rootCa: edge.caddy.rootCa },
      adminHost: edge.adminHost,
      gate: edge.gate,
      token: lab.consoleToken,
      studioAdminDomain: edge.adminDomain,
    });
    browser = await openBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(entry.loginLink(), { timeout: 20_000 });
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await entry?.stop();
    await edge?.caddy.stop();
    const trace = lab?.trace();
    await lab?.stop();
    if (trace) expect(leftovers(trace)).toEqual({ namespaces: [], pids: [], sockets: [], dirs: [] });
  }, 60_000);

  it('when the login link is opened, then the Fleet page lists every project of the lab, healthy, with its URL and a connected WireGuard peer', async () => {
    for (const p of PROJECTS) await waitForState(page, p, 'healthy', 30_000);
    const rows = await fleetRows(page);
    expect(rows.map((r) => r.project)).toEqual(PROJECTS);
    for (const [project, host] of [
      ['acme', 'acme.example.com'],
      ['blog', 'journal.example.com'],
      ['shop', 'shop.example.com'],
    ] as const) {
      const row = rows.find((r) => r.project === project)!;
      expect(row.text).toContain(host);
      // the master's real WireGuard interface has a fresh handshake with the worker's wireguard-go
      expect(row.text).toContain('connected');
    }
    expect(page.url()).not.toContain('token');
  });

  it("when a service of blog stops behind its agent's back, then blog turns degraded on the open page without a reload, naming the service", async () => {
    await waitForState(page, 'blog', 'healthy', 30_000);
    await markDocument(page);
    await lab!.stopService!('blog', 'rest');
    // the agent reports at its next heartbeat (5 s in the lab); the master's feed reads every 2 s
    await waitForState(page, 'blog', 'degraded', 30_000);
    // on a busy machine another probe may time out first; the stopped service is named once reported
    await expect
      .poll(async () => (await fleetRows(page)).find((r) => r.project === 'blog')?.text ?? '', {
        timeout: 30_000,
      })
      .toContain('rest');
    expect(await documentMarked(page)).toBe(true);
    for (const p of ['acme', 'shop']) await waitForState(page, p, 'healthy', 30_000);
  });

  it("when Restart is confirmed for blog's stopped rest on its Project page, then the agent starts it again and blog turns healthy on the page", async () => {
    await waitForState(page, 'blog', 'degraded', 30_000);
    const before = standinPids('blog', 'rest', lab!);
    await page.locator('tr[data-project="blog"] a.project-link').click();
    const rest = page.locator('#services tr[data-service="rest"]');
    await rest.waitFor({ timeout: 15_000 });
    await rest.locator('button').click();
    await page.locator('#restart-dialog').waitFor({ state: 'visible', timeout: 5_000 });
    await page.locator('#restart-confirm').click();
    // the master signs the command, the agent restarts the service over wg and answers
    await expect
      .poll(() => page.locator('#project-status').textContent(), { timeout: 30_000 })
      .toMatch(/^rest restarted/);
    const after = standinPids('blog', 'rest', lab!);
    expect(after.length).toBe(1);
    expect(before).not.toContain(after[0]);
    await page
      .locator('#services tr[data-service="rest"][data-state="healthy"]')
      .waitFor({ timeout: 30_000 });
    expect(await documentMarked(page)).toBe(true);
    await page.goto(`${entry!.url}/console/#/`, { timeout: 20_000 });
    await waitForState(page, 'blog', 'healthy', 30_000);
  });

  it("when Back up now is pressed on acme's Project page, then acme's agent runs its backup and the page shows the snapshot it reports", async () => {
    await page.goto(`${entry!.url}/console/#/project/acme`, { timeout: 20_000 });
    await page.locator('#services tr[data-service="rest"]').waitFor({ timeout: 15_000 });
    await page.locator('#backup-now').click();
    // the lab's backup.sh stand-in records a snapshot named lab-<epoch seconds>
    await expect
      .poll(() => page.locator('#project-status').textContent(), { timeout: 60_000 })
      .toMatch(/^Backup finished: snapshot lab-\d+\.$/);
    const row = page.locator('#backups tbody tr').first();
    expect(await row.getAttribute('data-state')).toBe('succeeded');
    expect(await row.innerText()).toMatch(/lab-\d+/);
  });

  /** Creates `public.<table>` in `project`'s database through its own /pg/ route (Caddy → Kong → wg → pg-meta). */
  async function createTable(project: string, host: string, table: string): Promise<void> {
    const c = await demoMasterClient(labTarget(lab!), memoryLogger()).credentials(project);
    const answer = await httpsOnLoopback({
      host,
      port: edge!.caddy.httpsPort,
      path: '/pg/query',
      ca: edge!.caddy.rootCa,
      method: 'POST',
      headers: { apikey: c.service_role_key, 'content-type': 'application/json' },
      body: JSON.stringify({ query: `create table if not exists public.${table} (id bigint primary key)` }),
      timeoutMs: 20_000,
    });
    expect(answer.status, answer.text).toBe(200);
  }

  for (const [project, own, other] of [
    ['acme', 'acme_orders', 'shop_products'],
    ['shop', 'shop_products', 'acme_orders'],
  ] as const) {
    it(`when "Open in Studio" is clicked on ${project}'s Project page, then ${project}'s Studio opens from the demo's entry and lists ${project}'s tables and not the other project's`, async () => {
      await createTable('acme', 'acme.example.com', 'acme_orders');
      await createTable('shop', 'shop.example.com', 'shop_products');
      await page.goto(`${entry!.url}/console/#/project/${project}`, { timeout: 20_000 });
      const link = page.locator('#open-studio');
      await link.waitFor({ timeout: 15_000 });
      expect(await link.getAttribute('href')).toMatch(
        new RegExp(`^http://studio-${project}\\.localhost:\\d+/login/[A-Za-z0-9_-]+$`),
      );
      const [studio] = await Promise.all([
        browser!.context.waitForEvent('page', { timeout: 15_000 }),
        link.click(),
      ]);
      try {
        // the front shows "Starting Studio" and reloads every 2 s until the stand-in answers
        await studio.locator(`#tables li[data-table="public.${own}"]`).waitFor({ timeout: 60_000 });
        expect(new URL(studio.url()).host).toMatch(new RegExp(`^studio-${project}\\.localhost:\\d+$`));
        expect(new URL(studio.url()).pathname).toBe('/project/default');
        expect(await studio.locator('#studio-project').textContent()).toBe(project);
        const tables = await studio.locator('#tables li').allTextContents();
        expect(tables).toContain(`public.${own}`);
        expect(tables).not.toContain(`public.${other}`);
      } finally {
        await studio.close();
      }
    });
  }

  it("when the admin host is asked directly, then Caddy's gate refuses the page without the gate's password and passes the console's data to the master, which wants a token", async () => {
    const ask = (path: string, authorization?: string) =>
      httpsOnLoopback({
        host: edge!.adminHost,
        port: edge!.caddy.httpsPort,
        path,
        ca: edge!.caddy.rootCa,
        ...(authorization ? { headers: { authorization } } : {}),
      });
    const basic = (password: string) =>
      `Basic ${Buffer.from(`${edge!.gate.user}:${password}`).toString('base64')}`;
    expect((await ask('/console/')).status).toBe(401);
    expect((await ask('/console/', basic('not-the-password'))).status).toBe(401);
    expect((await ask('/console/', basic(edge!.gate.password))).status).toBe(200);
    expect((await ask('/console/api/fleet')).status).toBe(401);
    const fleet = await ask('/console/api/fleet', `Bearer ${lab!.consoleToken}`);
    expect(fleet.status).toBe(200);
    expect((JSON.parse(fleet.text) as { projects: { name: string }[] }).projects.map((p) => p.name)).toEqual(
      PROJECTS,
    );
  });
});
