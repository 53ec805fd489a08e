/**
 * The fleet console's Fleet page as the e2e tests read it in Chromium: its rows carry
 * `data-project` and `data-state` (console/src/main.ts). Every wait is bounded.
 */
import type { Page } from 'playwright-core';

export interface FleetRow {
  readonly project: string;
  readonly state: string;
  /** The row's text as shown (name, URL, health and its reasons, …). */
  readonly text: string;
}

/** The Fleet page's rows, in page order. */
export function fleetRows(page: Page): Promise<FleetRow[]> {
  return page.$$eval('tr[data-project]', (rows) =>
    rows.map((r) => ({
      project: r.getAttribute('data-project') ?? '',
      state: r.getAttribute('data-state') ?? '',
      text: (r.textContent ?? '').replace(/\s+/g, ' ').trim(),
    })),
  );
}

/** Waits until `project`'s row shows `state` (bounded by `timeoutMs`); the page is not reloaded. */
export async function waitForState(
  page: Page,
  project: string,
  state: string,
  timeoutMs: number,
): Promise<void> {
  await page.waitForSelector(`tr[data-project="${project}"][data-state="${state}"]`, { timeout: timeoutMs });
}

/**
 * Marks the loaded document, so a test can tell later that what it sees came without a reload
 * (a reload or a navigation makes a new document without the mark).
 */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __labMark?: number }).__labMark = 1;
  });
}

export function documentMarked(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __labMark?: number }).__labMark === 1);
}
