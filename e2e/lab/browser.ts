/**
 * Headless Chromium from Debian, driven by playwright-core, as the e2e tests open the console:
 * the standard flags only (no certificate or host-resolution flags), a fresh profile per launch,
 * removed on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { toolsSkipReason } from '../../test/support/tools.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser tests cannot run here, or undefined (never a reason under CI=true). */
export function chromiumSkipReason(what: string): string | undefined {
  return toolsSkipReason(['chromium'], what);
}

export interface LabBrowser {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile. Safe to call twice. */
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile (bounded: 30 s to start). */
export async function openBrowser(
  viewport: { width: number; height: number } = { width: 1280, height: 800 },
): Promise<LabBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'supafleet-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS],
      headless: true,
      viewport,
      colorScheme: 'light',
      timeout: 30_000,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  let closed = false;
  return {
    context,
    close: async () => {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
