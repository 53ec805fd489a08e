/**
 * Headless Chromium from Debian, driven by playwright-core, as every browser test opens a page:
 * the standard flags only (no certificate or host-resolution flags), a fresh profile per launch,
 * removed on close. Screenshots go to $CONSOLE_SCREENSHOTS when set (docs/img/ for
 * docs/console.md), else to a temporary directory removed afterwards.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { toolsSkipReason } from './tools.ts';

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

export interface TestBrowser {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile. Safe to call twice. */
  close(): Promise<void>;
}

export interface BrowserOptions {
  /** Default 1280 × 800. */
  readonly viewport?: { width: number; height: number };
  /** Let pages save files (default: no). */
  readonly acceptDownloads?: boolean;
}

/** Launches Chromium with a fresh profile (bounded: 30 s to start). */
export async function openBrowser(options: BrowserOptions = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'supafleet-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS],
      headless: true,
      viewport: options.viewport ?? { width: 1280, height: 800 },
      colorScheme: 'light',
      ...(options.acceptDownloads ? { acceptDownloads: true } : {}),
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

export interface ScreenshotDir {
  readonly dir: string;
  /** Removes the directory when it is a temporary one; $CONSOLE_SCREENSHOTS stays. */
  close(): void;
}

/** Where a browser test saves its screenshots: $CONSOLE_SCREENSHOTS (created), or a temporary directory. */
export function screenshotDir(): ScreenshotDir {
  const chosen = process.env.CONSOLE_SCREENSHOTS;
  if (chosen) {
    mkdirSync(chosen, { recursive: true });
    return { dir: chosen, close: () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'console-shots-'));
  return { dir, close: () => rmSync(dir, { recursive: true, force: true }) };
}
