// Headless Chromium for UI tests: Debian's own /usr/bin/chromium, driven by playwright-core (which
// downloads no browser of its own). The flags keep it quiet, offline-friendly and sandbox-free.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Teardownable, TestServer } from './server.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
];

/** Why UI tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} is not installed (apt-get install chromium), so the UI test cannot run`;
}

/** Launches Chromium and closes it when the test ends. */
export async function launchBrowser(t: Teardownable): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  t.teardown(() => browser.close());
  return browser;
}

/**
 * Where UI tests save their screenshots (gitignored), for a person to look at. A run on another store
 * (test/on-postgres/e2e-*) saves into its own subfolder: it may run beside the SQLite run of the same
 * file, and the two would otherwise overwrite each other's pictures of the same name.
 */
export const OUT_DIR = fileURLToPath(new URL(process.env.INTERHUBZ_TEST_STORE === 'postgres' ? '../e2e/out/postgres/' : '../e2e/out/', import.meta.url));

/** Page errors and console errors, minus the browser's own line for each expected 4xx response. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(`console error: ${message.text()}`);
    }
  });
  return errors;
}

export const path = (page: Page) => new URL(page.url()).pathname;

/** Signs in through the login page and waits for the Connections page. */
async function signInAt(page: Page, server: Pick<TestServer, 'url' | 'username' | 'password'>): Promise<void> {
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Username').fill(server.username);
  await page.getByLabel('Password').fill(server.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
}

/** A desktop-sized page, signed in, with its script and console errors collected. */
export async function signedInPage(
  t: Teardownable,
  server: Pick<TestServer, 'url' | 'username' | 'password'>,
  options: { height?: number; timeoutMs?: number } = {},
): Promise<{ page: Page; errors: string[] }> {
  const browser = await launchBrowser(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: options.height ?? 800 } });
  page.setDefaultTimeout(options.timeoutMs ?? 10_000);
  const errors = watchErrors(page);
  await signInAt(page, server);
  return { page, errors };
}

/** From the Connections page: "Try the sandbox", and wait for the new connection's page. */
export async function openSandbox(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Try the sandbox' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sandbox' }).waitFor();
}
