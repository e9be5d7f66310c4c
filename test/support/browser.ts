/**
 * Headless Chromium for browser tests: Debian's `chromium` (or CHROMIUM_PATH) driven by
 * playwright-core, with a fresh profile per launch, no sandbox (tests run as root in containers),
 * and every background network feature off — the console must work with no network at all.
 *
 *   const b = await launchBrowser();          // skips locally when chromium is missing; fails under CI
 *   const page = await b.context.newPage();
 *   await shot(page, '01-login');             // test-artifacts/browser/01-login.png
 *   await b.close();
 *
 * `watch(page, origin)` records console errors (CSP violations show up there) and any request to
 * another origin.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts/browser');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--no-default-browser-check',
  '--disable-dev-shm-usage',
];

/** Whether browser tests can run here. Under CI=true a missing browser is an error, not a skip. */
export function browserAvailable(): boolean {
  const ok = existsSync(CHROMIUM);
  if (!ok && process.env.CI) throw new Error(`browser tests need chromium at ${CHROMIUM} (CI=true: failing instead of skipping)`);
  if (!ok) console.warn(`skipping browser tests: no chromium at ${CHROMIUM}`);
  return ok;
}

export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'tr-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(30_000);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Save a full-page screenshot as a test artifact. */
export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface PageWatch {
  consoleErrors: string[];
  foreignRequests: string[];
}

export function watch(page: Page, origin: string): PageWatch {
  const w: PageWatch = { consoleErrors: [], foreignRequests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') w.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => w.consoleErrors.push(e.message));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:')) w.foreignRequests.push(u);
  });
  return w;
}
