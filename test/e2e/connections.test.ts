// The Connections pages in real headless Chromium against the real daemon: the empty list, the
// sandbox connection, a new connection with a refused Intercom token, pause and resume, and delete
// behind a typed-name confirmation. Screenshots land in test/e2e/out/ for a human to look at.
import { mkdirSync } from 'node:fs';
import t from 'tap';
import { startIntercomSimulator } from '../../src/sandbox/intercom/index.ts';
import { chromiumMissing, launchBrowser, OUT_DIR, path, watchErrors } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  mkdirSync(OUT_DIR, { recursive: true });

  t.test('the sandbox, a new connection, a refused token, pause and resume, and delete', async (t) => {
    // "Support EU" talks to this simulator, so a made-up token is refused by "Intercom" for real.
    const intercom = await startIntercomSimulator({ port: 0 });
    t.teardown(() => intercom.close());
    const server = await startTestServer(t, { startScheduler: false, config: { maxConnections: 5 } });
    const browser = await launchBrowser(t);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors = watchErrors(page);

    // Sign in; the empty Connections page offers both ways to start.
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Username').fill(server.username);
    await page.getByLabel('Password').fill(server.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
    await page.getByRole('heading', { name: 'No connections yet' }).waitFor();
    t.ok(await page.getByRole('button', { name: 'New connection' }).isVisible(), 'the empty state offers New connection');
    t.ok(await page.getByRole('button', { name: 'Try the sandbox' }).isVisible(), 'the empty state offers the sandbox');
    await page.screenshot({ path: `${OUT_DIR}connections-empty.png` });

    // Try the sandbox: straight to its page, active, tagged, with both webhook URLs.
    await page.getByRole('button', { name: 'Try the sandbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sandbox' }).waitFor();
    t.match(path(page), /^\/connections\/[^/]+$/, 'lands on the connection’s page');
    const sandboxPath = path(page);
    await page.getByRole('status').filter({ hasText: 'Sandbox connection “Sandbox” created.' }).waitFor();
    const heading = page.locator('.page-heading');
    t.ok(await heading.locator('.badge', { hasText: 'Active' }).isVisible(), 'an Active badge');
    t.ok(await heading.locator('.tag', { hasText: 'Sandbox' }).isVisible(), 'a Sandbox tag');
    const intercomUrl = await page.getByLabel('Intercom webhook URL').inputValue();
    const hubspotUrl = await page.getByLabel('HubSpot webhook URL').inputValue();
    t.match(intercomUrl, /\/webhooks\/intercom$/, 'the Intercom webhook URL');
    t.match(hubspotUrl, /\/webhooks\/hubspot$/, 'the HubSpot webhook URL');
    t.ok(await page.getByText('Connected to workspace').isVisible(), 'the Intercom side is connected');
    t.ok(await page.getByText('Connected to portal').isVisible(), 'the HubSpot side is connected');

    await page.getByRole('button', { name: 'Copy Intercom webhook URL' }).click();
    await page.getByRole('status').filter({ hasText: 'Intercom webhook URL copied to the clipboard.' }).waitFor();
    t.equal(await page.evaluate('navigator.clipboard.readText()'), intercomUrl, 'Copy puts the URL on the clipboard');
    await page.screenshot({ path: `${OUT_DIR}connection-sandbox.png`, fullPage: true });

    // Back to the list: the sandbox is listed with its badge and tag.
    await page.getByRole('link', { name: '← All connections' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
    const sandboxRow = page.getByRole('row', { name: /Sandbox/ });
    await sandboxRow.waitFor();
    t.ok(await sandboxRow.getByText('Active').isVisible(), 'listed as Active');
    t.ok(await page.getByText('1 of 5 connections allowed').isVisible(), 'the limit is shown');

    // New connection: a name, then its page, not connected yet.
    await page.getByRole('button', { name: 'New connection' }).click();
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByRole('alert').filter({ hasText: 'Enter a name for the connection.' }).waitFor();
    await page.getByLabel('Connection name').fill('Sandbox');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByRole('alert').filter({ hasText: 'The connection was not created.' }).waitFor();
    await page.getByLabel('Connection name').fill('Support EU');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByRole('heading', { level: 1, name: 'Support EU' }).waitFor();
    const supportPath = path(page);
    t.ok(await heading.locator('.badge', { hasText: 'Not connected' }).isVisible(), 'a Not connected badge');
    const steps = page.getByRole('region', { name: 'Connect Intercom and HubSpot' });
    t.ok(await steps.getByRole('heading', { name: /Step 1: Intercom\W+To do/ }).isVisible(), 'step 1 is Intercom, to do');
    t.ok(await steps.getByRole('heading', { name: /Step 2: HubSpot\W+To do/ }).isVisible(), 'step 2 is HubSpot, to do');
    t.ok(await steps.getByRole('button', { name: 'Connect HubSpot' }).isVisible(), 'HubSpot has its token form');
    t.ok(await page.getByText('No webhook received yet.').isVisible());
    t.ok(await page.getByRole('button', { name: 'Pause' }).isDisabled(), 'a connection that is not active cannot be paused');

    // A bad Intercom token: the server's message, as an alert.
    const id = decodeURIComponent(supportPath.split('/')[2] ?? '');
    await server.daemon.db.kysely.updateTable('connections').set({ intercom_base_url: intercom.url }).where('id', '=', id).execute();
    const intercomCard = page.getByRole('region', { name: /^Step 1: Intercom/ });
    await intercomCard.getByRole('button', { name: 'Connect Intercom' }).click();
    await page.getByRole('alert').filter({ hasText: 'Enter the Intercom access token.' }).waitFor();
    await intercomCard.getByLabel('Access token', { exact: true }).fill('not-a-token');
    await intercomCard.getByLabel('Region').selectOption('eu');
    await intercomCard.getByRole('button', { name: 'Connect Intercom' }).click();
    await page.getByRole('alert').filter({ hasText: 'Intercom refused this access token' }).waitFor();
    t.ok(await heading.locator('.badge', { hasText: 'Not connected' }).isVisible(), 'still not connected');
    await page.screenshot({ path: `${OUT_DIR}connection-token-refused.png`, fullPage: true });

    // Both are listed, each with its own badge.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click();
    const supportRow = page.getByRole('row', { name: /Support EU/ });
    await supportRow.waitFor();
    t.ok(await supportRow.getByText('Not connected').isVisible(), 'Support EU is listed as Not connected');
    t.ok(await sandboxRow.getByText('Active').isVisible(), 'the sandbox is still Active');
    await page.screenshot({ path: `${OUT_DIR}connections-list.png` });

    // Pause and resume the sandbox.
    await sandboxRow.getByRole('link', { name: 'Sandbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sandbox' }).waitFor();
    t.equal(path(page), sandboxPath);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('status').filter({ hasText: 'Paused.' }).waitFor();
    await heading.locator('.badge', { hasText: 'Paused' }).waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('status').filter({ hasText: 'Resumed.' }).waitFor();
    await heading.locator('.badge', { hasText: 'Active' }).waitFor();
    t.pass('pause and resume change the badge');

    // Delete Support EU: the dialog names it and wants the name typed; Escape backs out.
    await page.goto(`${server.url}${supportPath}`);
    await page.getByRole('heading', { level: 1, name: 'Support EU' }).waitFor();
    await page.getByRole('button', { name: 'Delete connection' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete “Support EU”?' });
    await dialog.waitFor();
    const confirm = dialog.getByRole('button', { name: 'Delete connection' });
    t.equal(await confirm.getAttribute('aria-disabled'), 'true', 'confirming waits for the name');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Delete connection' }).click();
    await dialog.getByLabel('Type Support EU to confirm').fill('Support');
    await dialog.getByLabel('Type Support EU to confirm').press('Enter');
    await confirm.click({ force: true });
    t.ok(await dialog.isVisible(), 'a partial name does not delete');
    await dialog.getByLabel('Type Support EU to confirm').fill('Support EU');
    t.equal(await confirm.getAttribute('aria-disabled'), 'false', 'the typed name enables the button');
    await page.screenshot({ path: `${OUT_DIR}connection-delete.png` });
    await confirm.click();
    await page.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
    t.equal(path(page), '/connections', 'back on the list');
    await page.getByRole('status').filter({ hasText: 'Connection “Support EU” deleted.' }).waitFor();
    await sandboxRow.waitFor();
    t.equal(await page.getByRole('row', { name: /Support EU/ }).count(), 0, 'Support EU is gone');

    // An unknown connection says so.
    await page.goto(`${server.url}${supportPath}`);
    await page.getByRole('heading', { level: 1, name: 'Connection not found' }).waitFor();

    // A narrow screen, for the screenshot's sake.
    await page.setViewportSize({ width: 390, height: 760 });
    await page.goto(`${server.url}${sandboxPath}`);
    await page.getByRole('heading', { level: 1, name: 'Sandbox' }).waitFor();
    await page.screenshot({ path: `${OUT_DIR}connection-sandbox-narrow.png`, fullPage: true });

    t.same(errors, [], 'no script or console errors');
  });

  t.test('a connection declared in the configuration file cannot be deleted from the UI', async (t) => {
    const server = await startTestServer(t, {
      startScheduler: false,
      config: { connections: [{ name: 'From config' }] },
    });
    const browser = await launchBrowser(t);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
    const errors = watchErrors(page);
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Username').fill(server.username);
    await page.getByLabel('Password').fill(server.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const row = page.getByRole('row', { name: /From config/ });
    await row.waitFor();
    t.ok(await row.getByText('Managed by config').isVisible(), 'the list tags it');
    await row.getByRole('link', { name: 'From config' }).click();
    await page.getByRole('heading', { level: 1, name: 'From config' }).waitFor();
    t.ok(await page.getByRole('button', { name: 'Delete connection' }).isDisabled(), 'Delete is disabled');
    t.ok(await page.getByText('declared in the configuration file, so it can’t be deleted here').isVisible(), 'and says why');
    t.same(errors, [], 'no script or console errors');
  });
}
