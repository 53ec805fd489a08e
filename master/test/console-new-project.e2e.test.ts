import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverType } from '../../core/catalogue/catalogue.ts';
import {
  chromiumSkipReason,
  openBrowser,
  screenshotDir,
  type ScreenshotDir,
  type TestBrowser,
} from '../../test/support/browser.ts';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { runCli } from '../../test/support/cli-io.ts';
import { createProject, serveConsole, type ConsoleMaster } from './console-lab.ts';
import { spec, startLab, type Lab, type LabDeps } from './harness.ts';

/**
 * The console's New project page in a real browser (Debian's Chromium driven by playwright-core)
 * against the master API on loopback with a real Postgres: the form refuses what `supafleet
 * validate` refuses, with its messages, and the file it builds passes the real `supafleet
 * validate` beside the examples' fleet.yaml. Screenshots go to $CONSOLE_SCREENSHOTS when set
 * (docs/img/ for docs/console.md), else to a temporary directory.
 */
const skip = postgresSkipReason() ?? chromiumSkipReason('the console browser tests');
if (skip) console.log(`skipping the New project browser tests: ${skip}`);

const REPO = join(import.meta.dirname, '..', '..');
const EXAMPLES = join(REPO, 'examples', 'fleet');

interface ValidateJson {
  readonly ok: boolean;
  readonly projects: number;
  readonly errors: readonly { file: string; path: string; message: string }[];
}

describe.skipIf(skip !== undefined)('New project page in Chromium', () => {
  let lab: Lab;
  let l: LabDeps;
  let master: ConsoleMaster | undefined;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let browser: TestBrowser | undefined;
  let shots: string;
  let shotDir: ScreenshotDir | undefined;
  let read: string;
  const secrets: string[] = [];
  const requests: string[] = [];
  const problems: string[] = [];
  const roots: string[] = [];

  /** A fleet root holding the examples' fleet.yaml and the given project files; `supafleet validate --json` on it. */
  const validate = async (files: Record<string, string>): Promise<ValidateJson> => {
    const root = mkdtempSync(join(tmpdir(), 'new-project-fleet-'));
    roots.push(root);
    copyFileSync(join(EXAMPLES, 'fleet.yaml'), join(root, 'fleet.yaml'));
    mkdirSync(join(root, 'projects'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(root, 'projects', name), text);
    const run = await runCli(['validate', '--json'], { cwd: root });
    return JSON.parse(run.stdout) as ValidateJson;
  };

  const errorOf = (field: string) => page.locator(`#np-${field}-error`);
  /** Types into a field as a person does (clearing it first), then waits until the page has checked it. */
  const type = async (field: string, text: string) => {
    await page.fill(`#np-${field}`, '');
    if (text !== '') await page.locator(`#np-${field}`).pressSequentially(text);
  };

  beforeAll(async () => {
    lab = await startLab();
    l = await lab.newDeps();
    master = await serveConsole(l);
    base = master.base;

    const write = await l.token('write', 'ci-writer');
    read = await l.token('read', 'console');
    secrets.push(write, read, l.fleetKeys.privateKey.reveal());
    for (const p of [spec('acme'), spec('blog', { subdomain: 'journal' })])
      secrets.push(await createProject(base, write, p));

    shotDir = screenshotDir();
    shots = shotDir.dir;
    browser = await openBrowser({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    context = browser.context;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (req) => requests.push(req.url()));
    page.on('pageerror', (err) => problems.push(err.message));
    // CSP violations and script errors; failed requests are checked by their response instead
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        problems.push(msg.text());
    });
    page.on('response', (res) => {
      // the browser asks for /favicon.ico on its own; the console has none
      if (res.status() >= 400 && new URL(res.url()).pathname !== '/favicon.ico')
        problems.push(`${res.status()} ${res.url()}`);
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    shotDir?.close();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
    master?.close();
    await l?.close();
    await lab?.close();
  });

  it('when the New project link is followed with the keyboard, then the page shows the form, focused, with the fleet names read', async () => {
    await page.goto(`${base}/console/#token=${encodeURIComponent(read)}`);
    await page.locator('tr[data-project="acme"]').waitFor({ timeout: 15_000 });
    await page.focus('a[href="#/new"]');
    await page.keyboard.press('Enter');
    await page.locator('#new-project').waitFor({ state: 'visible', timeout: 5_000 });
    expect(await page.locator('#fleet').isVisible()).toBe(false);
    expect(await page.evaluate('document.activeElement.id')).toBe('np-title');
    await expect
      .poll(() => page.locator('#np-names').textContent(), { timeout: 10_000 })
      .toBe('Fleet prod · example.com: 2 projects (their names and subdomains are taken).');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('np-name');
    // every field is labelled and points at its error
    const unlabelled = await page.evaluate<string[]>(
      `[...document.querySelectorAll('#np-form input, #np-form select, #np-form textarea')]
        .filter((e) => !document.querySelector('label[for="' + e.id + '"]')
          || !(e.getAttribute('aria-describedby') || '').split(' ').includes(e.id + '-error'))
        .map((e) => e.id)`,
    );
    expect(unlabelled).toEqual([]);
  });

  it('when the name of a project of the fleet is typed, then the name field says it is taken, for screen readers too', async () => {
    await type('name', 'acme');
    await expect
      .poll(() => errorOf('name').textContent(), { timeout: 5_000 })
      .toBe(
        'project "acme" already exists (projects/acme.yaml); expected a name no project of the fleet has',
      );
    expect(await page.getAttribute('#np-name', 'aria-invalid')).toBe('true');
    expect(await errorOf('name').getAttribute('aria-live')).toBe('polite');
    expect(await page.getAttribute('#np-github', 'aria-disabled')).toBe('true');
    expect(await page.getAttribute('#np-github', 'href')).toBeNull();
    expect(await page.locator('#np-summary').textContent()).toMatch(/^1 problem to fix/);
  });

  it('when a reserved name is typed, then the error is the one supafleet validate prints for that file', async () => {
    await type('name', 'studio');
    const cli = await validate({ 'studio.yaml': 'name: studio\nserver: { type: cx22, location: fsn1 }\n' });
    expect(cli.ok).toBe(false);
    const expected = cli.errors.find((e) => e.path === '/name')!.message;
    expect(expected).toMatch(/is reserved/);
    await expect.poll(() => errorOf('name').textContent(), { timeout: 5_000 }).toBe(expected);
  });

  it('when a subdomain another project holds is typed, then the error is the one supafleet validate prints', async () => {
    await type('name', 'shop');
    await type('subdomain', 'journal');
    const cli = await validate({
      'blog.yaml': readFileSync(join(EXAMPLES, 'projects', 'blog.yaml'), 'utf8'),
      'shop.yaml': 'name: shop\nsubdomain: journal\nserver: { type: cx22, location: fsn1 }\n',
    });
    const expected = cli.errors.find(
      (e) => e.file === 'projects/shop.yaml' && e.path === '/subdomain',
    )!.message;
    await expect.poll(() => errorOf('subdomain').textContent(), { timeout: 5_000 }).toBe(expected);
    expect(await errorOf('name').textContent()).toBe('');
    expect(await page.getAttribute('#np-name', 'aria-invalid')).toBeNull();
  });

  it('when a number field holds words, then the schema message is the one supafleet validate prints', async () => {
    await type('fileSizeLimitMb', 'ten');
    const cli = await validate({
      'shop.yaml':
        'name: shop\nserver: { type: cx22, location: fsn1 }\nstorage: { file_size_limit_mb: ten }\n',
    });
    const expected = cli.errors.find((e) => e.path === '/storage/file_size_limit_mb')!.message;
    expect(expected).toBe('"ten" is a string; expected an integer');
    await expect.poll(() => errorOf('fileSizeLimitMb').textContent(), { timeout: 5_000 }).toBe(expected);
    await type('fileSizeLimitMb', '');
  });

  it('when a server type is not offered in the location, then the location says which locations it has', async () => {
    await page.selectOption('#np-serverType', 'cx22');
    await page.selectOption('#np-location', 'ash');
    await expect
      .poll(() => errorOf('location').textContent(), { timeout: 5_000 })
      .toBe('server type "cx22" is not offered in "ash"; expected one of its locations: fsn1, hel1, nbg1');
  });

  it('when a valid project is filled in, then its file passes supafleet validate beside the examples fleet.yaml and GitHub gets it', async () => {
    await type('name', 'shop');
    await type('subdomain', '');
    await page.selectOption('#np-serverType', 'cpx31');
    await page.selectOption('#np-location', 'hel1');
    await page.uncheck('#np-protect');
    await type('siteUrl', 'https://shop.example.net');
    await type('redirectUrls', 'https://shop.example.net/account');
    await page.check('#np-signupEnabled');
    await page.check('#np-emailAutoconfirm');
    await type('corsOrigins', 'https://shop.example.net');
    await type('fileSizeLimitMb', '100');
    await type('backupSchedule', '15 1 * * *');
    await expect
      .poll(() => page.locator('#np-summary').textContent(), { timeout: 5_000 })
      .toBe('projects/shop.yaml is valid.');
    const yaml = (await page.locator('#np-yaml').textContent())!;
    expect(yaml).toBe(
      [
        '# yaml-language-server: $schema=../schemas/project.schema.json',
        'name: shop',
        'server:',
        '  type: cpx31',
        '  location: hel1',
        'protect: false',
        'auth:',
        '  site_url: https://shop.example.net',
        '  redirect_urls:',
        '    - https://shop.example.net/account',
        '  signup:',
        '    enabled: true',
        '    email_autoconfirm: true',
        'api:',
        '  cors_origins:',
        '    - https://shop.example.net',
        'storage:',
        '  file_size_limit_mb: 100',
        'backup:',
        '  schedule: "15 1 * * *"',
        '  keep:',
        '    daily: 7',
        '    weekly: 4',
        '    monthly: 6',
        '',
      ].join('\n'),
    );
    expect(await validate({ 'shop.yaml': yaml })).toEqual({ ok: true, projects: 1, errors: [] });

    const price = serverType('cpx31')!.price_monthly.toFixed(2);
    expect(await page.locator('#np-cost').textContent()).toMatch(
      new RegExp(
        `^Monthly cost: .*${price.replace('.', '[.,]')}.* \\(net, Hetzner's prices of \\d{4}-\\d{2}-\\d{2}\\)$`,
      ),
    );

    const href = (await page.getAttribute('#np-github', 'href'))!;
    expect(await page.getAttribute('#np-github', 'aria-disabled')).toBeNull();
    const url = new URL(href);
    expect(`${url.origin}${url.pathname}`).toBe('https://github.com/acme-corp/fleet/new/main');
    expect(url.searchParams.get('filename')).toBe('projects/shop.yaml');
    expect(url.searchParams.get('value')).toBe(yaml);
    expect(await page.getAttribute('#np-github', 'rel')).toBe('noopener noreferrer');

    await page.screenshot({ path: join(shots, 'console-new-project.png'), fullPage: true });
  });

  it('when Download file is pressed, then the browser saves <name>.yaml with the file', async () => {
    const yaml = await page.locator('#np-yaml').textContent();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#np-download')]);
    expect(download.suggestedFilename()).toBe('shop.yaml');
    const saved = await download.path();
    expect(readFileSync(saved, 'utf8')).toBe(yaml);
  });

  it('when Copy is pressed, then the clipboard holds the file and the page says so', async () => {
    const yaml = await page.locator('#np-yaml').textContent();
    await page.click('#np-copy');
    await expect
      .poll(() => page.locator('#np-status').textContent(), { timeout: 5_000 })
      .toBe('Copied projects/shop.yaml to the clipboard.');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(yaml);
  });

  it('when the page is as narrow as a phone, then the form fits the width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(shots, 'console-new-project-phone.png'), fullPage: false });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('when the Fleet link is followed, then the Fleet page comes back', async () => {
    await page.click('nav a[href="#/"]');
    await page.locator('#fleet').waitFor({ state: 'visible', timeout: 5_000 });
    expect(await page.locator('#new-project').isVisible()).toBe(false);
  });

  it('when the names are asked without a read token, then 401; with one, only names, subdomains, domain and repository', async () => {
    expect((await fetch(`${base}/console/api/names`)).status).toBe(401);
    const r = await fetch(`${base}/console/api/names`, { headers: { authorization: `Bearer ${read}` } });
    expect(await r.json()).toEqual({
      fleet: { name: 'prod', domain: 'example.com', repository: 'acme-corp/fleet' },
      projects: [
        { name: 'acme', subdomain: 'acme' },
        { name: 'blog', subdomain: 'journal' },
      ],
    });
  });

  it('when the page has run, then it asked only the master, broke no policy, and showed no secret', async () => {
    const origins = new Set(requests.map((u) => new URL(u).origin));
    expect([...origins]).toEqual([base]);
    expect(problems).toEqual([]);
    const html = await page.content();
    for (const s of secrets) expect(html.includes(s), 'a secret reached the page').toBe(false);
  });
});
