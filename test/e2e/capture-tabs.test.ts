// The Conversations, Matching and Activity tabs and the push box in real headless Chromium, against
// a sandbox connection with a closed conversation in the Intercom simulator: settings saved and kept
// across a reload, a refusal that names its field, a preview (note shown in a sandboxed iframe),
// a write, and the Activity tab's row with "Push again". Screenshots: /tmp/conversations-tab.png,
// /tmp/activity-tab.png, /tmp/matching-tab.png (and test/e2e/out/).
import { mkdirSync } from 'node:fs';
import t from 'tap';
import { chromiumMissing, openSandbox, OUT_DIR, path, signedInPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

const MINUTE = 60_000;

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  mkdirSync(OUT_DIR, { recursive: true });

  t.test('settings, the push box and the activity log', async (t) => {
    const server = await startTestServer(t);
    const { page, errors } = await signedInPage(t, server, { height: 900, timeoutMs: 15_000 });
    // A viewport as tall as the page rather than fullPage: the sandboxed note frame paints in its
    // own process, and a fullPage capture (which resizes the page for the shot) leaves it blank.
    const shot = async (name: string) => {
      await page.setViewportSize({ width: 1280, height: Number(await page.evaluate('document.documentElement.scrollHeight')) });
      await page.waitForTimeout(500);
      await page.screenshot({ path: `/tmp/${name}.png` });
      await page.screenshot({ path: `${OUT_DIR}${name}.png` });
      await page.setViewportSize({ width: 1280, height: 900 });
    };

    await openSandbox(page);
    const base = path(page);

    // A customer with a company writes in, a teammate answers, the conversation is closed.
    const sandbox = server.daemon.app.sandbox;
    if (!sandbox) throw new Error('the sandbox is off');
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

    // Capture tab: the grace window and a guard, saved and still there after a reload.
    await page.getByRole('tab', { name: 'Capture' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Capture' });
    await panel.getByRole('heading', { name: 'Noise guards' }).waitFor();
    t.ok(await panel.getByRole('radio', { name: 'When a conversation closes' }).isChecked(), 'on_close is the default');
    t.equal(await panel.getByLabel('Grace window').inputValue(), '0.5', 'a sandbox connection captures 30 s after a close');
    await panel.getByLabel('Grace window').fill('25');
    await panel.getByLabel('Minimum customer messages').fill('');
    await panel.getByRole('switch', { name: 'Skip bot-only conversations' }).uncheck();
    await panel.getByRole('button', { name: 'Save conversation settings' }).click();
    const refusal = panel.getByRole('alert').filter({ hasText: 'The settings were not saved' });
    await refusal.waitFor();
    t.match(await refusal.innerText(), /Minimum customer messages \(conversations\.guards\.minCustomerMessages\): must be a number ≥ 0/, 'the refusal names the field');
    t.equal(await panel.getByLabel('Minimum customer messages').getAttribute('aria-invalid'), 'true', 'and marks it');

    await panel.getByLabel('Minimum customer messages').fill('1');
    await panel.getByRole('button', { name: 'Add rule' }).click();
    const rule = panel.getByRole('group', { name: 'Rule 1' });
    await rule.getByLabel('Rule 1 name').fill('VIP');
    await rule.getByLabel('Tags').fill('vip, enterprise');
    t.notOk(await panel.getByRole('checkbox', { name: /Ticket/ }).first().isDisabled(), 'the ticket destination can be chosen');
    await panel.getByRole('button', { name: 'Save conversation settings' }).click();
    await panel.getByText('Saved. New captures use these settings.').waitFor();
    t.equal(await refusal.count(), 0, 'the refusal is gone');

    await page.reload();
    await panel.getByRole('heading', { name: 'Noise guards' }).waitFor();
    t.equal(await panel.getByLabel('Grace window').inputValue(), '25', 'the grace window persisted');
    t.equal(await panel.getByLabel('Minimum customer messages').inputValue(), '1', 'the guard persisted');
    t.notOk(await panel.getByRole('switch', { name: 'Skip bot-only conversations' }).isChecked(), 'the switch persisted');
    t.equal(await rule.getByLabel('Tags').inputValue(), 'vip, enterprise', 'the rule persisted');
    const stored = await server.daemon.db.kysely.selectFrom('connections').select('settings').executeTakeFirstOrThrow();
    t.match(JSON.parse(stored.settings), { conversations: { capture: { graceMinutes: 25 }, guards: { minCustomerMessages: 1, skipBotOnly: false }, routing: { rules: [{ name: 'VIP', when: { tags: ['vip', 'enterprise'] } }] } } });

    // The push box: a preview writes nothing and shows the note in a sandboxed frame.
    await panel.getByLabel('Intercom conversation id').fill(conversationId);
    await panel.getByRole('button', { name: 'Preview' }).click();
    const result = panel.locator('.push-result');
    await result.getByText('Preview: nothing was written.').waitFor();
    const facts = await result.locator('.push-facts').innerText();
    t.match(facts, /HubSpot contact\s+Will be created/i, 'the contact will be created');
    t.match(facts, /HubSpot company\s+Will be created/i, 'so will the company');
    t.match(facts, /Destinations\s+contact, company/i);
    const frame = panel.locator('iframe[title="Note preview"]');
    t.equal(await frame.getAttribute('sandbox'), '', 'the note is shown in a fully sandboxed frame');
    await page.frameLocator('iframe[title="Note preview"]').getByText('My invoice shows the wrong amount.').waitFor();
    t.pass('the note preview shows the transcript');
    t.equal(sandbox.hubspot.control.records({ hubId: sandbox.hubspot.control.defaultHubId(), objectType: 'notes' }).length, 0, 'a preview writes nothing');
    await shot('conversations-tab');

    await panel.getByRole('button', { name: 'Write to HubSpot' }).click();
    await result.getByText('Captured: a new note is in HubSpot.').waitFor();
    const notes = sandbox.hubspot.control.records({ hubId: sandbox.hubspot.control.defaultHubId(), objectType: 'notes' });
    t.equal(notes.length, 1, 'one note written');
    const noteId = String(notes[0]?.id);
    t.match(await result.locator('.push-facts').innerText(), new RegExp(`HubSpot note\\s+${noteId}`, "i"), 'the answer names the note');

    // Activity: the capture, with its note id; "Push again" finds nothing to change.
    await page.getByRole('tab', { name: 'Activity' }).click();
    const activity = page.getByRole('tabpanel', { name: 'Activity' });
    const row = activity.getByRole('row').filter({ hasText: conversationId }).filter({ hasText: 'captured' });
    await row.waitFor();
    t.match(await row.innerText(), new RegExp(`Note ${noteId}`), 'the row shows the note id');
    t.match(await row.innerText(), /Contact \d+ new[\s\S]*Company \d+ new/, 'and the records it created');
    await row.getByRole('button', { name: /Push again/ }).click();
    await row.getByText('Unchanged: the note is up to date').waitFor();
    await activity.getByRole('row').filter({ hasText: 'unchanged' }).first().waitFor();
    // The tab refreshes its list in the background: wait for the render that holds both entries.
    await until('the activity list to hold both entries', async () => (await activity.getByRole('row').count()) === 3, { timeoutMs: 10_000, explain: async () => activity.innerText() }).catch(() => undefined);
    t.equal(await activity.getByRole('row').count(), 3, 'the new entry is added on top of the list');
    t.match(await activity.getByRole('row').nth(1).innerText(), /unchanged/, 'newest first');
    await activity.getByLabel('Outcome').selectOption('captured');
    await activity.locator('tbody tr').nth(1).waitFor({ state: 'detached' });
    t.match(await activity.locator('tbody tr').innerText(), /captured/, 'the outcome filter');
    await activity.getByLabel('Outcome').selectOption('');
    await activity.getByRole('row').nth(2).waitFor();
    await shot('activity-tab');

    // Matching: turn the phone strategy on and put it first; saved and kept.
    await page.getByRole('tab', { name: 'Matching' }).click();
    const matching = page.getByRole('tabpanel', { name: 'Matching' });
    await matching.getByRole('heading', { name: 'Contacts' }).waitFor();
    await matching.getByRole('switch', { name: 'Phone' }).check();
    await matching.getByLabel('Country for numbers without a country code').fill('DE');
    await matching.getByRole('button', { name: 'Move Phone up' }).click();
    await matching.getByLabel('Role addresses').selectOption('ignore');
    await matching.getByRole('button', { name: 'Save matching settings' }).click();
    await matching.getByText('Saved. New captures match with these settings.').waitFor();
    await page.reload();
    await matching.getByRole('heading', { name: 'Contacts' }).waitFor();
    t.match(await matching.locator('.strategy-list').first().innerText(), /^1\s+Phone[\s\S]*2\s+Email/, 'phone is tried first now');
    t.equal(await matching.getByLabel('Country for numbers without a country code').inputValue(), 'DE');
    t.equal(await matching.getByLabel('Role addresses').inputValue(), 'ignore');
    await shot('matching-tab');

    t.equal(path(page), `${base}/matching`);
    t.same(errors, [], 'no script or console errors');
  });

  t.test('a connection declared in the YAML file shows its settings read-only', async (t) => {
    const server = await startTestServer(t, { config: { sandbox: { enabled: true }, connections: [{ name: 'Support', conversations: { capture: { graceMinutes: 15 } } }] } });
    const id = (await server.daemon.db.kysely.selectFrom('connections').select('id').where('name', '=', 'Support').executeTakeFirstOrThrow()).id;
    const { page, errors } = await signedInPage(t, server, { height: 900, timeoutMs: 15_000 });
    await page.goto(`${server.url}/connections/${id}/capture`);
    const panel = page.getByRole('tabpanel', { name: 'Capture' });
    await panel.getByText(/Managed by config \(connections\[0\]\)/).waitFor();
    t.equal(await panel.getByLabel('Grace window').inputValue(), '15');
    t.ok(await panel.getByLabel('Grace window').isDisabled(), 'read-only');
    t.equal(await panel.getByRole('button', { name: 'Save conversation settings' }).count(), 0, 'no Save button');
    await page.goto(`${server.url}/connections/${id}/matching`);
    await page.getByRole('tabpanel', { name: 'Matching' }).getByText(/Managed by config \(connections\[0\]\)/).waitFor();
    t.ok(await page.getByRole('switch', { name: 'Email' }).isDisabled(), 'read-only');
    t.same(errors, [], 'no script or console errors');
  });
}
