// The connection page's webhook set-up in real headless Chromium (issue #14 items 19 and 13): each
// topic the enabled features need, with when one last arrived or a "Never received" warning, and —
// without server.publicUrl — no loopback URL to paste but what to set. Screenshots in test/e2e/out/.
import { mkdirSync } from 'node:fs';
import t from 'tap';
import { chromiumMissing, OUT_DIR, openSandbox, signedInPage } from '../helpers/browser.ts';
import { sessionApi, signIn, startTestServer } from '../helpers/server.ts';

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  mkdirSync(OUT_DIR, { recursive: true });

  t.test('the sandbox: what to subscribe to, and a close that arrived is dated while the rest never came', async (t) => {
    const server = await startTestServer(t);
    const { page, errors } = await signedInPage(t, server, { height: 1400 });
    await openSandbox(page);
    const intercomTable = page.getByRole('table', { name: 'Intercom topics' });
    await intercomTable.waitFor();
    t.same(await intercomTable.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-topic'))), ['conversation.admin.closed', 'conversation.deleted'], 'the on_close topics (the sandbox default)');
    t.equal(await intercomTable.locator('tbody tr[data-never="true"]').count(), 2, 'nothing arrived yet: both flagged');
    t.equal(await intercomTable.getByText('Never received').count(), 2);

    // A conversation is closed in the simulated Intercom: its webhook arrives; the page refreshes it.
    const sandbox = server.daemon.app.sandbox;
    if (!sandbox) throw new Error('no sandbox');
    const { intercom } = sandbox;
    const workspaceId = intercom.defaults?.workspaceId ?? '';
    const admin = intercom.control.admins.create(workspaceId, { name: 'Ana Agent', email: 'ana@support.test' });
    const customer = intercom.control.contacts.create(workspaceId, { role: 'user', email: 'pat@acme.test', name: 'Pat' });
    const started = intercom.control.actAsCustomer.startConversation({ contactId: String(customer.id), body: '<p>Hello</p>' });
    intercom.control.actAsAdmin.close({ conversationId: String(started.id), adminId: String(admin.id) });
    await intercom.control.webhooks.flush();
    await page.reload();
    const closed = page.getByRole('table', { name: 'Intercom topics' }).locator('tr[data-topic="conversation.admin.closed"]');
    await closed.locator('time').waitFor();
    t.equal(await closed.getAttribute('data-never'), 'false', 'the close is dated');
    t.equal(await page.locator('tr[data-topic="conversation.deleted"]').getAttribute('data-never'), 'true', 'the deletion never came: still flagged');
    t.ok(await page.getByLabel('Intercom webhook URL').isVisible(), 'a sandbox connection shows where its simulators deliver');
    await page.locator('#webhooks-heading').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${OUT_DIR}webhook-setup-sandbox.png`, fullPage: true });
    t.same(errors, []);
  });

  t.test('tickets with sync back: HubSpot subscriptions in both forms', async (t) => {
    const server = await startTestServer(t);
    const { page, errors } = await signedInPage(t, server, { height: 1600 });
    await openSandbox(page);
    const id = new URL(page.url()).pathname.split('/')[2] ?? '';
    const db = server.daemon.db.kysely;
    const row = await db.selectFrom('connections').select('settings').where('id', '=', id).executeTakeFirstOrThrow();
    const settings = JSON.parse(row.settings) as { conversations: { routing?: Record<string, unknown> }; tickets?: Record<string, unknown> };
    settings.conversations.routing = { ...settings.conversations.routing, defaultDestinations: ['contact', 'company', 'ticket'] };
    settings.tickets = { ...settings.tickets, whenClosedInHubSpot: 'close' };
    await db.updateTable('connections').set({ settings: JSON.stringify(settings) }).where('id', '=', id).execute();
    await page.reload();
    const hubspot = page.getByRole('table', { name: 'HubSpot subscriptions' });
    await hubspot.waitFor();
    const stage = hubspot.locator('tr[data-topic="ticket.propertyChange"]');
    t.match(await stage.innerText(), /ticket\.propertyChange on hs_pipeline_stage[\s\S]*object\.propertyChange with objectTypeId 0-5[\s\S]*Ticket stage changes back to Intercom[\s\S]*Never received/);
    t.equal(await hubspot.locator('tbody tr').count(), 4, 'deletion, merge, restore and the stage change');
    await page.locator('#webhooks-heading').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${OUT_DIR}webhook-setup-tickets.png`, fullPage: true });
    t.same(errors, []);
  });

  t.test('without server.publicUrl: no URL to paste, the page says to set server.publicUrl', async (t) => {
    const server = await startTestServer(t, { startScheduler: false, config: { server: { publicUrl: '' } } });
    const { page, errors } = await signedInPage(t, server);
    const call = sessionApi(server, await signIn(server));
    const created = (await call('POST', '/api/connections', { name: 'Support' })).body as { id?: string };
    t.ok(created.id, 'created');
    await page.goto(`${server.url}/connections/${created.id}`);
    const notice = page.locator('#webhook-public-url-missing');
    await notice.waitFor();
    t.match(await notice.innerText(), /server\.publicUrl/);
    t.equal(await page.getByLabel('Intercom webhook URL').count(), 0, 'no Intercom URL field');
    t.equal(await page.getByLabel('HubSpot webhook URL').count(), 0, 'no HubSpot URL field');
    t.notOk((await page.locator('main').innerText()).includes('127.0.0.1'), 'the loopback address is nowhere on the page');
    await notice.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${OUT_DIR}webhook-setup-no-public-url.png`, fullPage: true });
    t.same(errors, []);
  });
}
