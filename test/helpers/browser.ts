// Headless Chromium for UI tests: Debian's own /usr/bin/chromium, driven by playwright-core (which
// downloads no browser of its own). The flags keep it quiet, offline-friendly and sandbox-free.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import type { Teardownable } from './server.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
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
