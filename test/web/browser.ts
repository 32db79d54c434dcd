import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Test } from 'tap';
import type { Config } from '../../src/config.js';
import { testApp, type TestApp } from '../helpers/app.js';

/**
 * Browser tests: the real app on a clean test database, listening on a free loopback port, and
 * Debian's Chromium driven by playwright-core. Where Chromium is missing the browser tests are
 * skipped, except in CI (CI=true), whose .ci/run installs it: there they fail.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const browserTests = {
  skip: existsSync(CHROMIUM) || process.env.CI ? false : `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
  timeout: 120_000,
} as const;

/** Screenshots for people to look at, kept out of git (see .gitignore). */
export const ARTIFACTS = path.resolve('test-artifacts/screenshots');

export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 900 };

export interface ServedApp extends TestApp {
  baseUrl: string;
}

export async function servedApp(t: Test, overrides: Partial<Config> = {}): Promise<ServedApp> {
  const served = await testApp(t, overrides);
  await served.app.listen({ port: 0, host: '127.0.0.1' });
  const address = served.app.server.address();
  if (!address || typeof address === 'string') throw new Error('the app is not listening on a TCP port');
  return { ...served, baseUrl: `http://127.0.0.1:${address.port}` };
}

export async function launchBrowser(t: Test): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-quic',
    ],
  });
  t.teardown(() => browser.close());
  return browser;
}

const FAILED_RESOURCE = /^Failed to load resource: the server responded with a status of (\d+)/;

/**
 * Every console error and uncaught exception of a browser context, for the test to assert there
 * are none. A failed request is reported by Chromium as a console error too: those are accepted
 * only for the statuses the test declares it provokes (a 401 for a wrong token, a 422 for a CSV
 * with errors); any other one fails the test.
 */
export class ConsoleWatch {
  readonly problems: string[] = [];
  private readonly expected = new Set<number>();

  constructor(context: BrowserContext) {
    context.on('page', (page) => this.watch(page));
  }

  watch(page: Page): void {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const failed = FAILED_RESOURCE.exec(message.text());
      if (failed && this.expected.has(Number(failed[1]))) return;
      this.problems.push(`console error on ${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.problems.push(`page error on ${page.url()}: ${error.message}`));
  }

  /** The test provokes answers with this status on purpose; the page handles them. */
  expectStatus(status: number): void {
    this.expected.add(status);
  }
}

export async function newContext(browser: Browser, t: Test, viewport = PHONE): Promise<{ context: BrowserContext; watch: ConsoleWatch }> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  t.teardown(() => context.close());
  const watch = new ConsoleWatch(context);
  return { context, watch };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** axe-core's WCAG 2.1 A/AA rules on the page as it stands: the violations, in words. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations.map((v) => {
    const where = v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ');
    return `${v.id} (${v.impact}): ${v.help} — ${where}`;
  });
}

/** Waits until the page's title holds `text` (a print view has loaded in place of the page). */
export async function titleHolds(page: Page, text: string, timeoutMs = 30_000): Promise<void> {
  // Polled from here: the pages' CSP forbids the eval that waitForFunction's predicate needs.
  const until = Date.now() + timeoutMs;
  while (!(await page.title()).includes(text)) {
    if (Date.now() > until) throw new Error(`the title never held ${text}: "${await page.title()}"`);
    await page.waitForTimeout(100);
  }
}

/** Signs in on /app/ or /console/ by keyboard: the token typed into its field, then Enter. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('访问令牌 Access token').fill(token);
  await page.getByLabel('访问令牌 Access token').press('Enter');
}
