// The Tickets tab in real headless Chromium, against a sandbox connection: the pickers filled from
// the simulated portal's "Support Pipeline", a stage HubSpot does not have shown by its key and
// fixed, settings kept across a reload, the ticket destination turned on in routing, a push that
// previews and then makes the ticket, and the linkage list's row. Also a connection whose HubSpot
// cannot be asked (declared in the YAML, read-only): the saved values as text.
// Screenshot: /tmp/tickets-tab.png (and test/e2e/out/).
import { mkdirSync } from 'node:fs';
import t from 'tap';
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import { chromiumMissing, openSandbox, OUT_DIR, path, signedInPage } from '../helpers/browser.ts';
import { raiseWarning } from '../../src/tickets/ticket-store.ts';
import { startTestServer } from '../helpers/server.ts';

const MINUTE = 60_000;

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  mkdirSync(OUT_DIR, { recursive: true });

  t.test('pipeline pickers, a bad stage fixed, routing to tickets, a push and the linkage list', async (t) => {
    const server = await startTestServer(t);
    const { page, errors } = await signedInPage(t, server, { height: 900, timeoutMs: 15_000 });

    await openSandbox(page);
    const base = path(page);
    const connectionId = decodeURIComponent(base.split('/')[2] ?? '');
    const sandbox = server.daemon.app.sandbox;
    if (!sandbox) throw new Error('the sandbox is off');
    const db = server.daemon.db.kysely;
    const stored = async () => ConnectionSettings.parse(JSON.parse((await db.selectFrom('connections').select('settings').where('id', '=', connectionId).executeTakeFirstOrThrow()).settings));

    // A stage name HubSpot does not have, as a hand-edited setting would carry it.
    const settings = await stored();
    settings.tickets.stages.open = 'Triage';
    await db.updateTable('connections').set({ settings: JSON.stringify(settings) }).where('id', '=', connectionId).execute();

    await page.getByRole('tab', { name: 'Tickets' }).click();
    t.equal(path(page), `${base}/tickets`);
    const panel = page.getByRole('tabpanel', { name: 'Tickets' });
    const pipeline = panel.getByLabel('Pipeline', { exact: true });
    await pipeline.locator('option', { hasText: 'Support Pipeline' }).first().waitFor({ state: 'attached' });
    t.same(
      await pipeline.locator('option').allInnerTexts(),
      ['Default (first pipeline: Support Pipeline)', 'Support Pipeline'],
      'the pipeline picker lists the portal’s pipelines by name',
    );
    const closedStage = panel.getByLabel('Closed', { exact: true });
    t.same(
      await closedStage.locator('option').allInnerTexts(),
      ['Default (first closed stage: Closed)', 'New', 'Waiting on contact', 'Waiting on us', 'Closed (closed)'],
      'the stages of the pipeline, closed ones marked, after a default that says what it is',
    );
    t.match(await panel.getByLabel('Open', { exact: true }).locator('option').first().innerText(), /Default \(first open stage: New\)/);

    // The stored stage that does not exist: an invalid option, the server's problem by its key.
    const open = panel.getByLabel('Open', { exact: true });
    t.equal(await open.locator('option:checked').innerText(), 'Triage — not in this pipeline', 'the stored value is shown, marked');
    t.equal(await open.getAttribute('aria-invalid'), 'true');
    const problems = panel.getByRole('alert').filter({ hasText: 'don’t match HubSpot' });
    t.match(await problems.innerText(), /settings\.tickets\.stages\.open: stage 'Triage' does not exist in pipeline 'Support Pipeline'/, 'the problem names its key');
    await page.screenshot({ path: `${OUT_DIR}tickets-tab-problem.png`, fullPage: true });

    // Fix it, map closed conversations explicitly, and have closed tickets close the conversation.
    await open.selectOption({ label: 'Default (first open stage: New)' });
    await closedStage.selectOption({ label: 'Closed (closed)' });
    await panel.getByRole('radio', { name: 'Close the conversation' }).check();
    await panel.getByLabel('Other conversations').fill('LOW');
    await panel.getByRole('button', { name: 'Save ticket settings' }).click();
    await panel.getByText('Saved. New tickets and stage changes use these settings.').waitFor();
    await problems.waitFor({ state: 'detached' });
    t.pass('the problem is gone once the settings match');
    t.match((await stored()).tickets, { stages: { open: '', closed: '4' }, whenClosedInHubSpot: 'close', priorities: { notPriority: 'LOW' } });

    await page.reload();
    await closedStage.locator('option', { hasText: 'Closed (closed)' }).waitFor({ state: 'attached' });
    t.equal(await closedStage.locator('option:checked').innerText(), 'Closed (closed)', 'the closed stage persisted');
    t.ok(await panel.getByRole('radio', { name: 'Close the conversation' }).isChecked(), 'the direction back persisted');
    t.equal(await panel.getByLabel('Other conversations').inputValue(), 'LOW');
    await panel.getByText('No tickets yet.').waitFor();
    const unrouted = panel.getByText(/Routing sends no conversation to Ticket yet/);
    t.ok(await unrouted.isVisible(), 'the tab says that routing sends nothing to tickets yet');

    // Routing: tickets for every conversation no rule matches.
    await page.getByRole('tab', { name: 'Capture' }).click();
    const conversations = page.getByRole('tabpanel', { name: 'Capture' });
    const ticketBox = conversations.getByRole('group', { name: 'Default destinations' }).getByRole('checkbox', { name: 'Ticket' });
    t.notOk(await ticketBox.isDisabled(), 'the ticket destination can be chosen');
    await ticketBox.check();
    // A rule of its own for VIPs: their tickets join the customer's open one.
    await conversations.getByRole('button', { name: 'Add rule' }).click();
    const rule = conversations.getByRole('group', { name: 'Rule 1' });
    await rule.getByLabel('Rule 1 name').fill('VIP');
    await rule.getByLabel('Tags').fill('vip');
    t.equal(await rule.getByLabel('Ticket policy').count(), 0, 'no ticket policy for a rule that makes no ticket');
    await rule.getByRole('checkbox', { name: 'Ticket' }).check();
    await rule.getByLabel('Ticket policy').selectOption({ label: 'Reuse the contact’s open ticket' });
    await conversations.getByRole('button', { name: 'Save conversation settings' }).click();
    await conversations.getByText('Saved. New captures use these settings.').waitFor();
    t.match((await stored()).conversations.routing, {
      defaultDestinations: ['contact', 'company', 'ticket'],
      rules: [{ name: 'VIP', when: { tags: ['vip'] }, destinations: ['contact', 'company', 'ticket'], ticketPolicy: 'reuse_open' }],
    });

    // A closed conversation, pushed from the push box (inside the sandbox's 30 s grace window).
    const { intercom } = sandbox;
    const workspaceId = intercom.defaults?.workspaceId ?? '';
    const admin = intercom.control.admins.create(workspaceId, { name: 'Ana Agent', email: 'ana@support.test' });
    const company = intercom.control.companies.create(workspaceId, { name: 'Acme GmbH', website: 'https://www.acme.test' });
    const customer = intercom.control.contacts.create(workspaceId, { role: 'user', email: 'carla@acme.test', name: 'Carla Customer', companyIds: [String(company.id)] });
    const contactId = String(customer.id);
    const started = intercom.control.actAsCustomer.startConversation({ contactId, body: '<p>My invoice shows the wrong amount.</p>', subject: 'Invoice question' });
    const conversationId = String(started.id);
    intercom.control.clock.advance(MINUTE);
    intercom.control.actAsAdmin.reply({ conversationId, adminId: String(admin.id), body: '<p>Sorry about that, I have corrected it.</p>' });
    intercom.control.clock.advance(MINUTE);
    intercom.control.actAsCustomer.reply({ conversationId, contactId, body: '<p>Thanks, it looks right now.</p>' });
    intercom.control.actAsAdmin.close({ conversationId, adminId: String(admin.id) });

    const tickets = () => sandbox.hubspot.control.records({ hubId: sandbox.hubspot.control.defaultHubId(), objectType: 'tickets' });
    await conversations.getByLabel('Intercom conversation id').fill(conversationId);
    await conversations.getByRole('button', { name: 'Preview' }).click();
    const result = conversations.locator('.push-result');
    await result.getByText('Preview: nothing was written.').waitFor();
    t.match(await result.locator('.push-facts').innerText(), /HubSpot ticket\s+Will be created \(Support Pipeline · Closed\)/i, 'the preview says the ticket will be created, and where');
    t.equal(tickets().length, 0, 'a preview makes no ticket');
    await conversations.getByRole('button', { name: 'Write to HubSpot' }).click();
    await result.getByText('Captured: a new note is in HubSpot.').waitFor();
    const [ticket] = tickets();
    const ticketId = String(ticket?.id);
    t.equal(tickets().length, 1, 'one ticket made');
    t.match(ticket?.properties, { subject: 'Invoice question', hs_pipeline: '0', hs_pipeline_stage: '4', hs_ticket_priority: 'LOW' });
    t.match(await result.locator('.push-facts').innerText(), new RegExp(`HubSpot ticket\\s+Ticket ${ticketId} — created in Support Pipeline · Closed`, 'i'), 'the answer names the ticket');

    // The linkage list.
    await page.getByRole('tab', { name: 'Tickets' }).click();
    const row = panel.getByRole('row').filter({ hasText: conversationId });
    await row.waitFor();
    const cells = await row.getByRole('cell').allInnerTexts();
    t.equal(cells[0], conversationId);
    t.equal(cells[1], ticketId);
    t.match(cells[2], /^Closed\s+Support Pipeline · closed$/, 'the stage by its name');
    t.equal(cells[3], 'Closed', 'the conversation state');
    t.equal(cells[4], 'Active');
    t.equal(await unrouted.count(), 0, 'routing sends conversations to tickets now');

    // A warning raised meanwhile (here by hand) shows above whichever tab is open next.
    await raiseWarning(db, connectionId, 'ticket_deleted', 'HubSpot ticket 999 was deleted.', Date.now());
    await page.getByRole('tab', { name: 'Activity' }).click();
    const warnings = page.getByRole('region', { name: 'Something to look at' });
    await warnings.waitFor();
    t.match(await warnings.innerText(), /HubSpot ticket 999 was deleted\./, 'the warning is visible on the Activity tab');
    await db.deleteFrom('connection_warnings').where('connection_id', '=', connectionId).execute();
    await page.getByRole('tab', { name: 'Tickets' }).click();
    await warnings.waitFor({ state: 'detached' });
    await closedStage.locator('option', { hasText: 'Closed (closed)' }).waitFor({ state: 'attached' });

    await page.setViewportSize({ width: 1280, height: Number(await page.evaluate('document.documentElement.scrollHeight')) });
    await page.waitForTimeout(300);
    await page.screenshot({ path: '/tmp/tickets-tab.png' });
    await page.screenshot({ path: `${OUT_DIR}tickets-tab.png` });
    t.same(errors, [], 'no script or console errors');
  });

  t.test('a connection declared in the YAML file whose HubSpot cannot be asked: the saved values, read-only', async (t) => {
    const server = await startTestServer(t, {
      config: { connections: [{ name: 'Support', tickets: { pipeline: 'Support', stages: { closed: 'Done' } } }] },
    });
    const id = (await server.daemon.db.kysely.selectFrom('connections').select('id').where('name', '=', 'Support').executeTakeFirstOrThrow()).id;
    const { page, errors } = await signedInPage(t, server, { height: 900, timeoutMs: 15_000 });
    await page.goto(`${server.url}/connections/${id}/tickets`);
    const panel = page.getByRole('tabpanel', { name: 'Tickets' });
    await panel.getByText(/Managed by config \(connections\[0\]\)/).waitFor();
    const unreachable = panel.getByRole('alert').filter({ hasText: 'Couldn’t read the ticket pipelines from HubSpot.' });
    await unreachable.waitFor();
    t.match(await unreachable.innerText(), /Connect HubSpot first/, 'says why');
    t.equal(await panel.getByLabel('Pipeline', { exact: true }).inputValue(), 'Support', 'the saved pipeline, as typed');
    t.equal(await panel.getByLabel('Closed', { exact: true }).inputValue(), 'Done', 'the saved stage, as typed');
    t.ok(await panel.getByLabel('Closed', { exact: true }).isDisabled(), 'read-only');
    t.ok(await panel.getByRole('radio', { name: 'One ticket per conversation' }).isDisabled());
    t.equal(await panel.getByRole('button', { name: 'Save ticket settings' }).count(), 0, 'no Save button');
    t.ok(await panel.getByRole('button', { name: 'Reload from HubSpot' }).isEnabled(), 'reloading is still possible');
    await page.screenshot({ path: `${OUT_DIR}tickets-tab-unreachable.png`, fullPage: true });
    t.same(errors, [], 'no script or console errors');
  });
}
