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
import { studioLink } from '../src/console/studio-link.ts';
import { projectSecrets } from '../src/projects.ts';
import {
  collectBodies,
  createProject,
  enrollWorker,
  serveConsole,
  type ConsoleMaster,
  type EnrolledAgent,
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
 * The Project page (`/console/#/project/<name>`) in a real browser: Debian's Chromium driven by
 * playwright-core against the master API on loopback with a real Postgres. "Back up now" and
 * "Restart" go through the master's signed command path to a stand-in agent on the project's
 * address (harness.ts `startFakeAgent`, which verifies the signature like the agent). Screenshots
 * go to $CONSOLE_SCREENSHOTS when set (docs/img/ for docs/console.md), else to a temporary directory.
 */
const skip = postgresSkipReason() ?? chromiumSkipReason('the console browser tests');
if (skip) console.log(`skipping console Project page browser tests: ${skip}`);

const SERVICES = ['auth', 'db', 'realtime', 'rest', 'storage'];
type Svc = { name: string; state: string; detail?: string; latency_ms?: number };
const HEALTHY: Svc[] = SERVICES.map((name) => ({ name, state: 'healthy', latency_ms: 3 }));
const REST_DOWN: Svc[] = HEALTHY.map((s) =>
  s.name === 'rest' ? { name: 'rest', state: 'unhealthy', detail: 'probe GET / answered 503' } : s,
);

describe.skipIf(skip !== undefined)('console Project page in Chromium', () => {
  let lab: Lab;
  let l: LabDeps;
  let master: ConsoleMaster | undefined;
  let base: string;
  let agentUrl: string;
  let context: BrowserContext;
  let browser: TestBrowser | undefined;
  let shots: string;
  let shotDir: ScreenshotDir | undefined;
  let read: string;
  let write: string;
  let admin: string;
  let agent: EnrolledAgent;
  let fakeAgent: FakeAgent | undefined;
  let anonKey: string;
  const secrets: string[] = [];

  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  const beat = async (services: Svc[]) => {
    const r = await callFrom(agent.ip, `${agentUrl}/v1/agent/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}` },
      body: {
        project: 'acme',
        sent_at: new Date().toISOString(),
        apply: { state: 'applied', revision: 1 },
        services,
        system: { disk_used_pct: 10, mem_used_pct: 20 },
      },
    });
    expect(r.status).toBe(200);
  };

  /** A new tab on the project's page, signed in with `token` through the fragment. */
  const open = async (token: string, bodies?: { url: string; text: string }[]): Promise<Page> => {
    const page = await context.newPage();
    if (bodies) collectBodies(page, bodies);
    await page.goto(`${base}/console/#/project/acme&token=${encodeURIComponent(token)}`);
    await page.locator('#services tr[data-service="rest"]').waitFor({ timeout: 15_000 });
    return page;
  };

  /** Presses "Back up now", waits until the page says the backup runs; the command the agent got. */
  const backUpNow = async (page: Page): Promise<{ id: string; type: string }> => {
    fakeAgent!.received.length = 0;
    await page.locator('#backup-now').click();
    await expect
      .poll(() => page.locator('#project-status').textContent(), { timeout: 10_000 })
      .toMatch(/^Backup of acme running/);
    return JSON.parse(fakeAgent!.received[0]!.body) as { id: string; type: string };
  };

  /** The worker reports a command's result, as the agent does. */
  const reportResult = async (id: string, result: Record<string, unknown>) => {
    const post = await callFrom(agent.ip, `${agentUrl}/v1/agent/commands/${id}/result`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}` },
      body: { id, ...result },
    });
    expect(post.status).toBe(200);
  };

  beforeAll(async () => {
    lab = await startLab();
    const cmdPort = await freePort();
    l = await lab.newDeps({ settings: { agentCommandPort: cmdPort } });
    master = await serveConsole(l);
    ({ base, agentUrl } = master);

    read = await l.token('read', 'console');
    write = await l.token('write', 'ci-writer');
    admin = await l.token('admin', 'ops');
    secrets.push(write, read, admin, l.fleetKeys.privateKey.reveal());

    const enrollmentToken = await createProject(
      base,
      write,
      spec('acme', { server: { type: 'cx22', location: 'fsn1' } }),
    );
    secrets.push(enrollmentToken);
    agent = await enrollWorker(base, enrollmentToken, Buffer.alloc(32, 1).toString('base64'));
    secrets.push(...agent.secrets);
    const projectKeys = await projectSecrets(l.deps, l.deps.registry, 'acme');
    anonKey = projectKeys.anon_key;
    // the anon key is on the page by design (Supabase hands it to every browser of the project's apps)
    secrets.push(...secretValues(projectKeys).filter((s) => s !== anonKey));
    for (const services of [HEALTHY, HEALTHY, REST_DOWN, HEALTHY, REST_DOWN]) await beat(services);
    fakeAgent = await startFakeAgent(agent.ip, cmdPort, agent.commandKey);

    shotDir = screenshotDir();
    shots = shotDir.dir;
    browser = await openBrowser({ viewport: { width: 1280, height: 900 } });
    context = browser.context;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await fakeAgent?.close();
    shotDir?.close();
    master?.close();
    await l?.close();
    await lab?.close();
  });

  it('when a project name is clicked on the Fleet page, then its page opens with the focus on its heading', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/console/#token=${encodeURIComponent(read)}`);
    await page.locator('tr[data-project="acme"] a.project-link').click();
    await page.locator('#services tr[data-service="rest"]').waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).hash).toBe('#/project/acme');
    expect(await page.locator('#fleet').isVisible()).toBe(false);
    expect(await page.evaluate('document.activeElement.id')).toBe('project-title');
    await page.goBack();
    await page.locator('#fleet').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#project-page').isVisible()).toBe(false);
    await page.close();
  });

  it('when a read token opens the page, then it shows every service, the timeline, backups, links and the anon key', async () => {
    const bodies: { url: string; text: string }[] = [];
    const page = await open(read, bodies);
    const rows = page.locator('#services tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((t) => t.getAttribute('data-service')))).toEqual(SERVICES);
    const rest = page.locator('#services tr[data-service="rest"]');
    expect(await rest.getAttribute('data-state')).toBe('unhealthy');
    expect(await rest.innerText()).toContain('probe GET / answered 503');
    expect(await page.locator('#project-head').innerText()).toMatch(/degraded\s*rest unhealthy/);

    expect(await page.locator('#timeline li').count()).toBe(5);
    expect(await page.locator('#timeline li.beat-degraded').count()).toBe(2);
    expect(await page.locator('#timeline-summary').textContent()).toMatch(
      /^5 heartbeats over .*: 3 healthy, 2 degraded\.$/,
    );
    expect(await page.locator('#timeline-changes li').first().textContent()).toMatch(
      /degraded: rest unhealthy$/,
    );

    expect(await page.locator('#open-studio').getAttribute('href')).toBe(studioLink(l.deps.fleet, 'acme'));
    expect(await page.locator('#project-file').getAttribute('href')).toBe(
      'https://github.com/acme-corp/fleet/blob/main/projects/acme.yaml',
    );
    expect(await page.locator('#api-url').textContent()).toBe('https://acme.example.com');
    expect(await page.locator('#anon-key').textContent()).toBe(anonKey);
    expect(await page.locator('#backups-empty').isVisible()).toBe(true);

    // the buttons a read token cannot use say which scope they need; clicking repeats it
    expect(await page.locator('#backup-note').textContent()).toBe('needs the backup scope');
    expect(await page.locator('#restart-note-rest').textContent()).toBe('needs the write scope');
    expect(await page.locator('#reveal-note').textContent()).toBe('needs the admin scope');
    expect(await page.locator('#backup-now').getAttribute('aria-disabled')).toBe('true');
    // aria-disabled buttons stay in the tab order: a keyboard user reaches them and hears why
    await page.locator('#backup-now').focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('#project-status').textContent()).toBe('Back up now needs the backup scope');
    await page.locator('#services tr[data-service="rest"] button').focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('#project-status').textContent()).toBe('Restart needs the write scope');
    expect(await page.locator('#restart-dialog').isVisible()).toBe(false);
    expect(fakeAgent!.received).toHaveLength(0);

    const html = await page.content();
    const seen = [html, ...bodies.map((b) => b.text)].join('\n');
    expect(bodies.map((b) => new URL(b.url).pathname)).toEqual(
      expect.arrayContaining(['/console/api/projects/acme']),
    );
    expect(secrets.length).toBeGreaterThan(10);
    for (const s of secrets) expect(seen.includes(s), 'a secret reached the page').toBe(false);
    // no sealed value (the script itself knows the prefix: the New project page checks specs)
    expect(seen).not.toMatch(/sealed:v1:[^\s"':]+:[^\s"':]+:[A-Za-z0-9+/]{16,}/);
    const data = bodies.filter((b) => new URL(b.url).pathname.startsWith('/console/api/'));
    expect(data.length).toBeGreaterThan(0);
    for (const b of data) expect(b.text).not.toContain('sealed:v1:');
    expect(seen).not.toContain(agent.ip); // no worker address either
    await page.close();
  });

  it('when the master is asked for what a read token may not do, then it answers 403 naming the scope', async () => {
    const backup = await api('POST', '/v1/projects/acme/backups', read);
    expect(backup.status).toBe(403);
    expect(JSON.stringify(backup.body)).toContain('needs the backup scope');
    for (const token of [read, write]) {
      const creds = await api('GET', '/v1/projects/acme/credentials', token);
      expect(creds.status).toBe(403);
      expect(JSON.stringify(creds.body)).toContain('needs the admin scope');
    }
  });

  it('when "Back up now" is pressed, then the agent gets a signed backup command and the page shows it running, then its result', async () => {
    const page = await open(admin);
    const command = await backUpNow(page);
    expect(fakeAgent!.received.map((x) => x.verdict)).toEqual(['ok']);
    expect(command.type).toBe('backup');
    await page.locator('#backups tbody tr[data-state="running"]').waitFor({ timeout: 10_000 });

    // the worker reports the result; the page learns it from the fleet's live stream
    await reportResult(command.id, {
      state: 'succeeded',
      duration_s: 41.2,
      snapshot_id: '9c8b7a65',
      size_bytes: 3145728,
    });
    await expect
      .poll(() => page.locator('#project-status').textContent(), { timeout: 10_000 })
      .toBe('Backup finished: snapshot 9c8b7a65.');
    const row = page.locator('#backups tbody tr').first();
    expect(await row.getAttribute('data-state')).toBe('succeeded');
    expect(await row.innerText()).toMatch(/9c8b7a65[\s\S]*41 s[\s\S]*3\.0 MiB/);
    await page.close();
  });

  it('when the worker reports a backup failed, then the page says so with the reason', async () => {
    const page = await open(admin);
    const command = await backUpNow(page);
    await reportResult(command.id, { state: 'failed', duration_s: 2, error: 'repository is locked' });
    await expect
      .poll(() => page.locator('#project-status').textContent(), { timeout: 10_000 })
      .toBe('Backup failed: repository is locked.');
    expect(await page.locator('#project-status').getAttribute('class')).toContain('bad');
    await page.close();
  });

  it('when the page is left while a backup runs and opened again, then "Back up now" can be pressed again', async () => {
    const page = await open(admin);
    await backUpNow(page);
    expect(await page.locator('#backup-now').getAttribute('aria-busy')).toBe('true');
    await page.locator('#project-page a[href="#/"]').click();
    await page.locator('#fleet').waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('tr[data-project="acme"] a.project-link').click();
    await page.locator('#services tr[data-service="rest"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('#backup-now').getAttribute('aria-busy')).toBeNull();
    expect(await page.locator('#project-status').textContent()).toBe('');
    await page.close();
  });

  it('when the page names a project that is not registered, then it says so', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/console/#/project/nope&token=${encodeURIComponent(read)}`);
    await expect
      .poll(() => page.locator('#project-error').textContent(), { timeout: 10_000 })
      .toBe('project "nope" is not registered');
    expect(await page.locator('#project-body').isVisible()).toBe(false);
    await page.close();
  });

  it('when "Restart" is pressed for a service, then a dialog asks first, and only a confirmation reaches the agent', async () => {
    const page = await open(admin);
    fakeAgent!.received.length = 0;
    const button = page.locator('#services tr[data-service="rest"] button');
    await button.click();
    const dialog = page.locator('#restart-dialog');
    await dialog.waitFor({ state: 'visible' });
    expect(await page.locator('#restart-dialog-title').textContent()).toBe('Restart rest?');
    expect(await page.evaluate('document.activeElement.id')).toBe('restart-cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe('Restart rest');
    expect(fakeAgent!.received).toHaveLength(0);

    await button.click();
    await page.locator('#restart-confirm').click();
    await expect
      .poll(() => page.locator('#project-status').textContent(), { timeout: 10_000 })
      .toBe('rest restarted in 1.5 s.');
    expect(fakeAgent!.received.map((x) => x.verdict)).toEqual(['ok']);
    expect(JSON.parse(fakeAgent!.received[0]!.body)).toMatchObject({ type: 'restart', service: 'rest' });
    await page.close();
  });

  it('when an admin reveals the keys, then the service key and database password show, and the audit log names the admin', async () => {
    const page = await open(admin);
    const keys = await projectSecrets(l.deps, l.deps.registry, 'acme');
    expect(await page.locator('#service-key').count()).toBe(0);
    const before = (await l.deps.registry.listAudit('acme')).filter(
      (a) => a.action === 'project.credentials',
    );
    await page.locator('#reveal').click();
    await page.locator('#service-key').waitFor({ timeout: 10_000 });
    expect(await page.locator('#service-key').textContent()).toBe(keys.service_role_key);
    expect(await page.locator('#db-password').textContent()).toBe(keys.postgres_password);
    expect(await page.evaluate('document.activeElement.id')).toBe('hide-secrets');
    const after = (await l.deps.registry.listAudit('acme')).filter((a) => a.action === 'project.credentials');
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)!.actor).toMatchObject({ kind: 'token', name: 'ops' });

    await page.locator('#hide-secrets').click();
    expect(await page.locator('#service-key').count()).toBe(0);
    expect(await page.content()).not.toContain(keys.service_role_key);
    await page.close();
  });

  it('when a write token asks to reveal, then the button says it needs the admin scope and nothing is revealed', async () => {
    const page = await open(write);
    expect(await page.locator('#reveal-note').textContent()).toBe('needs the admin scope');
    expect(await page.locator('#backup-now').getAttribute('aria-disabled')).toBeNull();
    await page.locator('#reveal').focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('#project-status').textContent()).toMatch(/needs the admin scope/);
    expect(await page.locator('#service-key').count()).toBe(0);
    await page.close();
  });

  it('when the page is shown at desktop and phone width, then it fits, and the screenshots are taken', async () => {
    const page = await open(admin);
    await page.locator('#backups tbody tr').first().waitFor();
    await page.screenshot({ path: join(shots, 'console-project-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(
      await page.evaluate("getComputedStyle(document.querySelector('#services tbody tr')).display"),
    ).toBe('grid');
    await page.screenshot({ path: join(shots, 'console-project-phone.png'), fullPage: true });
    await page.close();
  });
});
