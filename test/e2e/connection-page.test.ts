// The connection page in real headless Chromium against the real daemon: its tabs (links with their
// own addresses, keyboard and deep links), the needs_reauth banner on every tab, and connecting
// HubSpot with a private-app token minted by the built-in HubSpot simulator. Screenshots land in
// test/e2e/out/ for a human to look at.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import t from 'tap';
import { chromiumMissing, OUT_DIR, path, signedInPage } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const selectedTab = (page: Page) => page.getByRole('tab', { selected: true });

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  mkdirSync(OUT_DIR, { recursive: true });

  t.test('tabs have their own addresses, work from the keyboard, and load from a deep link', async (t) => {
    const server = await startTestServer(t, { startScheduler: false });
    const { page, errors } = await signedInPage(t, server);
    await page.getByRole('button', { name: 'Try the sandbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sandbox' }).waitFor();
    const base = path(page);

    const tabs = page.getByRole('tablist', { name: 'Connection sections' });
    t.same(
      await tabs.getByRole('tab').allInnerTexts(),
      ['Overview', 'Capture', 'Matching', 'Tickets', 'Fields & filters', 'Users', 'Activity', 'Failed & waiting'],
      'eight tabs, Overview first',
    );
    t.equal(await selectedTab(page).innerText(), 'Overview', 'Overview is selected at /connections/:id');

    await tabs.getByRole('tab', { name: 'Capture' }).click();
    await page.getByRole('tabpanel', { name: 'Capture' }).getByRole('heading', { name: 'Noise guards' }).waitFor();
    t.equal(path(page), `${base}/capture`, 'the tab has its own address');
    t.equal(await page.title(), 'Capture · Sandbox · Interhubz', 'the browser tab says which tab');
    t.equal(await page.getByLabel('Intercom webhook URL').count(), 0, 'the Overview is not shown');
    await page.screenshot({ path: `${OUT_DIR}connection-tab-conversations.png` });

    // The arrow keys move between tabs (and wrap); only the selected tab is in the Tab order.
    await selectedTab(page).focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tabpanel', { name: 'Matching' }).waitFor();
    t.equal(path(page), `${base}/matching`);
    t.equal(await page.evaluate('document.activeElement?.textContent'), 'Matching', 'focus follows the selected tab');
    await page.keyboard.press('End');
    await page.getByRole('tabpanel', { name: 'Failed & waiting' }).waitFor();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tabpanel', { name: 'Overview' }).waitFor();
    t.equal(path(page), base, 'wraps round to the Overview');
    t.same(
      await tabs.getByRole('tab').evaluateAll((els) => els.map((el) => el.getAttribute('tabindex'))),
      ['0', '-1', '-1', '-1', '-1', '-1', '-1', '-1'],
      'a roving tabindex',
    );

    // Back and forward go through the tabs; a deep link loads straight into one.
    await page.goBack();
    await page.getByRole('tabpanel', { name: 'Failed & waiting' }).waitFor();
    await page.goto(`${server.url}${base}/users`);
    await page.getByRole('heading', { level: 1, name: 'Sandbox' }).waitFor();
    t.equal(await selectedTab(page).innerText(), 'Users', 'a deep link selects its tab');
    await page.getByRole('tabpanel', { name: 'Users' }).getByRole('heading', { name: 'Teammates and HubSpot owners' }).waitFor();
    await page.goto(`${server.url}${base}/nowhere`);
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    t.pass('an unknown tab is a page not found');

    await page.setViewportSize({ width: 390, height: 760 });
    await page.goto(`${server.url}${base}/tickets`);
    await page.getByRole('tabpanel', { name: 'Tickets' }).waitFor();
    await page.screenshot({ path: `${OUT_DIR}connection-tabs-narrow.png`, fullPage: true });
    t.same(errors, [], 'no script or console errors');
  });

  t.test('needs_reauth: a banner on every tab with a way to re-authorise each side', async (t) => {
    const server = await startTestServer(t, { startScheduler: false });
    const { page, errors } = await signedInPage(t, server);
    await page.getByRole('button', { name: 'Try the sandbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sandbox' }).waitFor();
    const base = path(page);
    const id = decodeURIComponent(base.split('/')[2] ?? '');
    await server.daemon.db.kysely.updateTable('connections').set({ status: 'needs_reauth' }).where('id', '=', id).execute();

    await page.goto(`${server.url}${base}/matching`);
    const banner = page.getByRole('alert').filter({ hasText: 'Interhubz lost access' });
    await banner.waitFor();
    t.match(await banner.innerText(), /Work for this connection is paused until you re-authorise; settings and linkage records are kept\./);
    t.ok(await page.locator('.page-heading .badge', { hasText: 'Needs re-authorisation' }).isVisible(), 'the badge says so');
    await page.screenshot({ path: `${OUT_DIR}connection-needs-reauth.png` });

    // The sandbox has OAuth apps (the simulators'): each button goes to that side's consent page.
    for (const side of ['Intercom', 'HubSpot']) {
      const link = banner.getByRole('link', { name: `Re-authorise ${side}` });
      t.match(await link.getAttribute('href'), new RegExp(`/oauth/${side.toLowerCase()}`), `Re-authorise ${side} goes to the OAuth consent`);
    }

    // A connection with no OAuth app: each button opens that side's token form on the Overview.
    await page.goto(`${server.url}/connections`);
    await page.getByRole('button', { name: 'New connection' }).click();
    await page.getByLabel('Connection name').fill('Tokens only');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByRole('heading', { level: 1, name: 'Tokens only' }).waitFor();
    const plain = path(page);
    const plainId = decodeURIComponent(plain.split('/')[2] ?? '');
    await server.daemon.db.kysely.updateTable('connections').set({ status: 'needs_reauth' }).where('id', '=', plainId).execute();
    for (const side of ['Intercom', 'HubSpot']) {
      await page.goto(`${server.url}${plain}/tickets`);
      await banner.getByRole('button', { name: `Re-authorise ${side}` }).click();
      await page.getByRole('tabpanel', { name: 'Overview' }).waitFor();
      await page.locator(`#${side.toLowerCase()}-token:focus`).waitFor();
      t.equal(path(page), plain, `Re-authorise ${side} goes to the Overview`);
      t.pass(`and focuses the ${side} token field`);
    }

    // When the server knows which side refused, the banner names it and offers only that side.
    await server.daemon.db.kysely.updateTable('connections').set({ hubspot_refused: 1 }).where('id', '=', id).execute();
    await page.goto(`${server.url}${base}`);
    await banner.waitFor();
    t.match(await banner.getByRole('heading').innerText(), /^Interhubz lost access to HubSpot for this connection\.$/, 'names HubSpot');
    t.match(await banner.innerText(), /HubSpot no longer accepts this connection’s credential/);
    t.same(await banner.getByRole('link').allInnerTexts(), ['Re-authorise HubSpot'], 'offers HubSpot only');
    t.ok(await page.getByRole('region', { name: 'HubSpot', exact: true }).getByText('HubSpot no longer accepts').isVisible(), 'the HubSpot card says so too');
    await page.screenshot({ path: `${OUT_DIR}connection-needs-reauth-overview.png`, fullPage: true });
    t.same(errors, [], 'no script or console errors');
  });

  t.test('a new connection: numbered steps, then HubSpot connected with a private-app token', async (t) => {
    const server = await startTestServer(t, { startScheduler: false });
    const hubspot = server.daemon.app.sandbox?.hubspot;
    if (!hubspot) throw new Error('the test server has no sandbox');
    const { page, errors } = await signedInPage(t, server);

    await page.getByRole('button', { name: 'New connection' }).click();
    await page.getByLabel('Connection name').fill('Support EU');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByRole('heading', { level: 1, name: 'Support EU' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Next, connect Intercom, then HubSpot.' }).waitFor();
    const id = decodeURIComponent(path(page).split('/')[2] ?? '');
    // This connection's HubSpot is the built-in simulator, so its tokens are checked for real.
    await server.daemon.db.kysely.updateTable('connections').set({ hubspot_base_url: `${server.url}/sandbox/hubspot` }).where('id', '=', id).execute();

    const step2 = page.getByRole('region', { name: /^Step 2: HubSpot/ });
    t.match(await step2.getByRole('heading').first().innerText(), /To do/, 'HubSpot is still to do');
    const instead = step2.getByRole('button', { name: 'Use an access token instead' });
    if ((await instead.count()) > 0) await instead.click();
    t.ok(await step2.getByText('starts with pat-').isVisible(), 'the help says what kind of token');

    await step2.getByRole('button', { name: 'Connect HubSpot' }).click();
    await step2.getByRole('alert').filter({ hasText: 'Enter the HubSpot private-app token.' }).waitFor();
    await step2.getByLabel('Access token', { exact: true }).fill('pat-na1-not-a-real-token');
    await step2.getByRole('button', { name: 'Connect HubSpot' }).click();
    await step2.getByRole('alert').filter({ hasText: 'HubSpot was not connected.' }).waitFor();
    await page.screenshot({ path: `${OUT_DIR}connection-hubspot-token-refused.png`, fullPage: true });

    // A private app without the tickets and owners scopes: connected, with a warning that names them.
    const portalId = hubspot.control.defaultHubId();
    const narrow = hubspot.control.createStaticToken({
      scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.companies.read', 'crm.objects.companies.write'],
    });
    await step2.getByLabel('Access token', { exact: true }).fill(narrow);
    await step2.getByRole('button', { name: 'Connect HubSpot' }).click();
    await page.getByRole('status').filter({ hasText: `HubSpot connected: portal ${portalId}.` }).waitFor();
    await page.locator('#hubspot-heading:focus').waitFor();
    t.pass('focus moves from the folded form to the HubSpot heading');
    const warning = step2.getByRole('note').filter({ hasText: 'HubSpot did not grant 2 scopes Interhubz needs' });
    await warning.waitFor();
    t.same(await warning.getByRole('listitem').allInnerTexts(), ['tickets', 'crm.objects.owners.read'], 'the missing scopes are listed');
    await step2.getByText('Granted scopes (4)').click();
    t.ok(await step2.getByRole('listitem').filter({ hasText: 'crm.objects.contacts.write' }).isVisible(), 'the granted scopes unfold');
    await page.screenshot({ path: `${OUT_DIR}connection-hubspot-missing-scopes.png`, fullPage: true });

    // A token with every scope replaces it; the warning goes.
    await step2.getByRole('button', { name: 'Replace the access token' }).click();
    await step2.getByLabel('Access token', { exact: true }).fill(hubspot.control.createStaticToken());
    await step2.getByRole('button', { name: 'Save the new token' }).click();
    await warning.waitFor({ state: 'detached' });
    t.match(await step2.getByRole('heading').first().innerText(), /Done/, 'step 2 is done');
    t.ok(await step2.getByText('Connected with a private-app token.').isVisible(), 'says how it was connected');
    t.ok(await step2.getByText(`Connected to portal ${portalId}.`).isVisible(), 'names the portal');
    t.equal(await step2.getByLabel('Access token', { exact: true }).count(), 0, 'the token form folds away once connected');
    t.ok(await step2.getByRole('button', { name: 'Replace the access token' }).isVisible(), 'behind a Replace button');
    t.match(await page.getByRole('region', { name: /^Step 1: Intercom/ }).getByRole('heading').first().innerText(), /To do/, 'Intercom is still to do');
    await page.screenshot({ path: `${OUT_DIR}connection-hubspot-connected.png`, fullPage: true });
    t.same(errors, [], 'no script or console errors');
  });

  t.test('re-authorising through the simulators’ consent pages: approve, another workspace, HubSpot, deny', async (t) => {
    const server = await startTestServer(t, { startScheduler: false });
    const intercom = server.daemon.app.sandbox?.intercom;
    if (!intercom) throw new Error('the test server has no sandbox');
    const { page, errors } = await signedInPage(t, server);
    await page.getByRole('button', { name: 'Try the sandbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sandbox' }).waitFor();
    const base = path(page);
    const intercomCard = page.getByRole('region', { name: 'Intercom', exact: true });
    const reauthorise = intercomCard.getByRole('link', { name: 'Re-authorise Intercom' });

    // Approve: back on the connection page, told so once.
    await reauthorise.click();
    await page.waitForURL((url) => url.pathname.startsWith('/sandbox/intercom/oauth'));
    await page.screenshot({ path: `${OUT_DIR}oauth-intercom-consent.png` });
    await page.getByRole('button', { name: 'Authorize access' }).click();
    await page.getByRole('status').filter({ hasText: 'Intercom connected.' }).waitFor();
    t.equal(path(page), base, 'back on the connection page');
    await page.waitForURL((url) => url.search === '', { timeout: 2_000 });
    t.pass('the OAuth parameters are taken off the address');
    t.ok(await intercomCard.getByText('Connected through Intercom’s OAuth consent.').isVisible(), 'says how it is connected now');
    t.equal(await page.locator('.notice').count(), 0, 'the same workspace: nothing about another account');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Sandbox' }).waitFor();
    t.equal(await page.getByRole('status').filter({ hasText: 'Intercom connected.' }).count(), 0, 'a reload does not repeat it');

    // Another workspace: said plainly, naming the new one.
    const other = intercom.control.workspaces.create({ name: 'Another workspace' });
    await reauthorise.click();
    await page.getByRole('radio', { name: new RegExp(other.id) }).check();
    await page.getByRole('button', { name: 'Authorize access' }).click();
    await page.getByRole('status').filter({ hasText: 'Intercom connected.' }).waitFor();
    const notice = page.locator('.notice');
    await notice.waitFor();
    t.match(await notice.innerText(), new RegExp(`different Intercom workspace than before: workspace ${other.id}\\. This connection’s settings and linkage records were kept\\.`));
    await page.screenshot({ path: `${OUT_DIR}oauth-intercom-changed.png`, fullPage: true });

    // HubSpot's consent works the same way, and the card then says it came through OAuth with its scopes.
    const hubspotCard = page.getByRole('region', { name: 'HubSpot', exact: true });
    await hubspotCard.getByRole('link', { name: 'Re-authorise HubSpot' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/sandbox/hubspot/'));
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').filter({ hasText: 'HubSpot connected.' }).waitFor();
    t.ok(await hubspotCard.getByText('Connected through HubSpot’s OAuth consent.').isVisible(), 'HubSpot: connected through OAuth');
    t.match(await hubspotCard.locator('summary').innerText(), /^Granted scopes \(\d+\)$/, 'with its granted scopes, folded');

    // Deny: a page that says the connection was not made.
    await reauthorise.click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { level: 1, name: 'Intercom was not connected' }).waitFor();
    await page.screenshot({ path: `${OUT_DIR}oauth-intercom-denied.png` });
    t.pass('deny ends on a page that says so');
    t.same(errors, [], 'no script or console errors');
  });
}
