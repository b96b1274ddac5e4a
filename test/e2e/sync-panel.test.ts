// The Overview's "Contacts & companies" panel in real headless Chromium against the real daemon
// and its sandbox (issue #18 items 3 and 4): the sync counts, "Sync now" starting a backfill whose
// bar follows the counts as the page polls, pause, resume, cancel (confirmed), a finished backfill
// kept with its counts, a second backfill of the same kind refused with the server's message, and
// "Backfill conversations" with a date refused by name. The scheduler is off, so the pages of a
// backfill do not run: the test moves a backfill's counts itself, which makes each step of the bar
// one the test chose rather than one the timing happened to show. Screenshots go to /tmp/sync-*.png.
import type { Page } from 'playwright-core';
import t from 'tap';
import { updateConnectionSettings } from '../../src/db/repos/connections.ts';
import { chromiumMissing, path, signedInPage } from '../helpers/browser.ts';
import { captureScenario } from '../helpers/capture-scenario.ts';
import { holdSweeps, syncScenario } from '../helpers/record-sync-scenario.ts';
import { startTestServer } from '../helpers/server.ts';

const SHOTS = '/tmp';

/** Waits until the element has the attribute value (the panel polls: a change shows within a poll). */
const attributeBecomes = (page: Page, selector: string, name: string, value: string) =>
  page.locator(`${selector}[${name}="${value}"]`).waitFor({ timeout: 10_000 });

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  t.test('counts, Sync now, a bar that follows the counts, pause, resume, cancel, refusals', async (t) => {
    const server = await startTestServer(t, { startScheduler: false });
    const db = server.daemon.db.kysely;
    const { page, errors } = await signedInPage(t, server, { height: 1400 });
    await page.getByRole('button', { name: 'Try the sandbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sandbox' }).waitFor();
    const base = path(page);
    const id = decodeURIComponent(base.split('/')[2] ?? '');
    // Contacts on, companies left off (the default), so the panel shows both cases.
    await updateConnectionSettings(db, id, (settings) => ({ ...settings, recordSync: { ...settings.recordSync, contacts: { ...settings.recordSync.contacts, enabled: true } } }), Date.now());
    await page.reload();

    const panel = page.getByRole('region', { name: 'Contacts & companies' });
    const contacts = panel.getByRole('region', { name: 'Contacts' });
    const companies = panel.getByRole('region', { name: 'Companies' });
    await contacts.getByText('In Intercom').waitFor();
    for (const label of ['In Intercom', 'In HubSpot', 'Paired', 'In step', 'Skipped by filter (24 h)', 'Failed (24 h)', 'Last change synced']) {
      t.equal(await contacts.getByText(label, { exact: true }).count(), 1, `contacts show "${label}"`);
    }
    const off = companies.getByText('Companies sync is off for this connection.');
    t.ok(await off.isVisible(), 'companies say their sync is off');
    t.equal(await companies.getByRole('link', { name: 'Turn it on in Fields & filters' }).getAttribute('href'), `${base}/fields`, 'with a link to the Fields & filters tab');
    t.equal(await companies.getByRole('button').count(), 0, 'and offer no Sync now');
    await panel.screenshot({ path: `${SHOTS}/sync-counts.png` });

    // Sync now → a running backfill with a bar; nothing has been counted yet.
    await contacts.getByRole('button', { name: 'Sync contacts now: Intercom → HubSpot' }).click();
    const running = panel.locator('ul[aria-label="Backfills in progress"] > li');
    await running.first().waitFor();
    t.equal(await running.count(), 1, 'one backfill in progress');
    t.match(await running.first().innerText(), /Contacts, Intercom → HubSpot[\s\S]*Running/, 'named by object and direction, running');
    const bar = running.first().getByRole('progressbar', { name: 'Contacts, Intercom → HubSpot: progress' });
    t.ok(await bar.isVisible(), 'a progress bar with a text label');
    const backfill = await db.selectFrom('backfills').selectAll().where('connection_id', '=', id).executeTakeFirstOrThrow();
    t.equal(backfill.state, 'running', 'the backfill is stored as running');

    // The counts move (as its pages would move them): the bar follows at the next poll.
    const barSelector = '.backfill[data-state="running"] [role="progressbar"]';
    await db.updateTable('backfills').set({ total: 200, total_is_estimate: 0, created: 30, updated: 10, rate_samples: JSON.stringify([[Date.now() - 60_000, 0], [Date.now(), 40]]) }).where('id', '=', backfill.id).execute();
    await attributeBecomes(page, barSelector, 'aria-valuenow', '20');
    t.equal(await bar.getAttribute('aria-valuetext'), '40 of 200 (20 %)', 'the bar says how far, in words');
    t.ok(await running.first().getByText('40 a minute · about 4 min left').isVisible(), 'the measured rate and the time left');
    await db.updateTable('backfills').set({ created: 90, updated: 30, unchanged: 20, skipped_by_filter: 5, failed: 5 }).where('id', '=', backfill.id).execute();
    await attributeBecomes(page, barSelector, 'aria-valuenow', '75');
    t.pass('the bar advanced from 20 % to 75 % without a reload');
    const counts = running.first().getByRole('list', { name: 'Contacts, Intercom → HubSpot: counts' });
    t.same(await counts.getByRole('listitem').allInnerTexts(), ['90 created', '30 updated', '20 unchanged', '5 skipped by filter', '5 failed'], 'the counts');
    await panel.screenshot({ path: `${SHOTS}/sync-running.png` });

    // An estimated total is said to be one.
    await db.updateTable('backfills').set({ total_is_estimate: 1 }).where('id', '=', backfill.id).execute();
    await attributeBecomes(page, barSelector, 'aria-valuetext', '150 of about 200 (about 75 %)');
    t.pass('an estimate says "about"');

    // A second one of the same kind and direction: refused, with the server's message by the buttons.
    await contacts.getByRole('button', { name: 'Sync contacts now: Intercom → HubSpot' }).click();
    const refusal = contacts.getByRole('alert');
    await refusal.waitFor();
    t.match(await refusal.innerText(), /Could not start the contact backfill\.\s+A contacts backfill to HubSpot is already running [\s\S]*It is listed under Backfills\.$/, 'the refusal is shown with the server\'s message, and where the running one is');
    t.equal(await db.selectFrom('backfills').select('id').where('connection_id', '=', id).execute().then((rows) => rows.length), 1, 'and nothing new is stored');
    await panel.screenshot({ path: `${SHOTS}/sync-refused.png` });

    // Pause, resume.
    await running.first().getByRole('button', { name: 'Pause' }).click();
    await running.first().getByRole('button', { name: 'Resume' }).waitFor();
    t.match(await running.first().innerText(), /Paused/, 'paused');
    t.equal((await db.selectFrom('backfills').select('state').where('id', '=', backfill.id).executeTakeFirstOrThrow()).state, 'paused', 'stored as paused');
    await panel.screenshot({ path: `${SHOTS}/sync-paused.png` });
    await running.first().getByRole('button', { name: 'Resume' }).click();
    await running.first().getByRole('button', { name: 'Pause' }).waitFor();
    t.equal((await db.selectFrom('backfills').select('state').where('id', '=', backfill.id).executeTakeFirstOrThrow()).state, 'running', 'running again');

    // Cancel asks first; "Keep it" keeps it.
    await running.first().getByRole('button', { name: 'Cancel backfill' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this backfill?' });
    await dialog.waitFor();
    await page.screenshot({ path: `${SHOTS}/sync-cancel-confirm.png` });
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'detached' });
    t.equal((await db.selectFrom('backfills').select('state').where('id', '=', backfill.id).executeTakeFirstOrThrow()).state, 'running', '"Keep it" changes nothing');
    await running.first().getByRole('button', { name: 'Cancel backfill' }).click();
    await dialog.getByRole('button', { name: 'Cancel backfill' }).click();
    await dialog.waitFor({ state: 'detached' });
    await panel.getByText('No backfill is running.').waitFor();
    t.equal((await db.selectFrom('backfills').select('state').where('id', '=', backfill.id).executeTakeFirstOrThrow()).state, 'cancelled', 'cancelled');

    // A backfill that stops brings the counts again: its page job is among the recent jobs, with its state.
    const jobs = panel.getByRole('table', { name: 'Recent contact and company jobs, newest first' });
    // The list may still show the page job as it was before the cancel until the panel reads it again.
    const pageJob = jobs.locator('tbody tr').filter({ hasText: /Backfill, (one page|\d+ pages)/ }).filter({ hasText: 'Cancelled' }).first();
    await pageJob.waitFor();
    t.match(await pageJob.innerText(), /Contacts\s+Backfill, (one page|\d+ pages)\s+Cancelled/, 'the backfill\'s page jobs, cancelled');

    // Finished ones stay listed, folded, with their counts.
    const finished = panel.locator('details.backfill-finished');
    t.match(await finished.locator('summary').innerText(), /Finished backfills \(1\)/, 'one finished backfill, folded away');
    await finished.locator('summary').click();
    const cancelledItem = finished.locator('ul > li').first();
    t.match(await cancelledItem.innerText(), /Contacts, Intercom → HubSpot[\s\S]*Cancelled[\s\S]*90 created[\s\S]*30 updated/, 'the cancelled one keeps its counts');

    // "Backfill conversations": a range the wrong way round is refused by the date it names.
    await panel.getByRole('button', { name: 'Backfill conversations' }).click();
    const start = page.getByRole('dialog', { name: 'Backfill conversations' });
    await start.waitFor();
    await start.getByLabel('Closed from').fill('2026-11-20');
    await start.getByLabel('Closed until').fill('2026-11-01');
    await start.getByRole('button', { name: 'Start backfill' }).click();
    await start.locator('.field-error').first().waitFor();
    const invalid = start.locator('input[aria-invalid="true"]');
    t.equal(await invalid.count(), 1, 'one date is marked');
    t.equal(await invalid.getAttribute('id'), await start.getByLabel('Closed until').getAttribute('id'), 'the one the refusal names: closedTo');
    t.equal(await start.locator('.field-error').innerText(), 'must not be before “Closed from”', 'with the server\'s message under it, the other date by its label');
    await page.screenshot({ path: `${SHOTS}/sync-dates-refused.png` });
    t.equal(await db.selectFrom('backfills').select('id').where('connection_id', '=', id).where('kind', '=', 'conversations').execute().then((rows) => rows.length), 0, 'nothing stored');

    await start.getByLabel('Closed from').fill('2026-11-01');
    await start.getByLabel('Closed until').fill('2026-11-20');
    await start.getByRole('button', { name: 'Start backfill' }).click();
    await start.waitFor({ state: 'detached' });
    await running.filter({ hasText: /Conversations closed/ }).waitFor();
    t.pass('a conversations backfill is running');

    // It finishes: listed among the finished, with its counts.
    const conversations = await db.selectFrom('backfills').select('id').where('connection_id', '=', id).where('kind', '=', 'conversations').executeTakeFirstOrThrow();
    await db.updateTable('backfills').set({ state: 'done', total: 12, created: 9, unchanged: 2, skipped_by_filter: 1, finished_at: Date.now() }).where('id', '=', conversations.id).execute();
    await panel.getByText('No backfill is running.').waitFor({ timeout: 20_000 });
    const doneItem = finished.locator('ul > li').filter({ hasText: /Conversations closed/ });
    await doneItem.waitFor();
    t.match(await doneItem.innerText(), /Done[\s\S]*12 of 12 \(100 %\)[\s\S]*9 created[\s\S]*0 updated[\s\S]*2 unchanged[\s\S]*1 skipped by filter[\s\S]*0 failed/, 'a done backfill with its counts');

    // A failed one says why, is counted in the fold's summary, and can be tried again from where it stopped.
    const failedAt = Date.now();
    await db.insertInto('backfills').values({ id: 'bf-failed', connection_id: id, kind: 'contacts', direction: 'to_intercom', state: 'failed', cursor: 'page-3', total: 500, total_is_estimate: 0, created: 0, updated: 180, unchanged: 20, started_at: failedAt - 600_000, updated_at: failedAt, finished_at: failedAt, last_error: 'HubSpot answered 502 three times' }).execute();
    await finished.locator('summary').filter({ hasText: 'Finished backfills (3; 1 failed)' }).waitFor({ timeout: 20_000 });
    const failedItem = finished.locator('ul > li').filter({ hasText: 'Contacts, HubSpot → Intercom' });
    t.match(await failedItem.innerText(), /Failed[\s\S]*200 of 500 \(40 %\)[\s\S]*Last error: HubSpot answered 502 three times/, 'a failed backfill with its last error');
    await panel.screenshot({ path: `${SHOTS}/sync-finished.png` });
    await failedItem.getByRole('button', { name: 'Try again' }).click();
    await running.filter({ hasText: 'Contacts, HubSpot → Intercom' }).waitFor();
    t.equal((await db.selectFrom('backfills').select('state').where('id', '=', 'bf-failed').executeTakeFirstOrThrow()).state, 'running', 'tried again: running from its cursor');

    t.same(errors, [], 'no script or console errors');
  });

  t.test('a viewer sees the counts and the progress, and no button that starts or stops anything', async (t) => {
    const s = await captureScenario(t, { startScheduler: false });
    const db = s.server.daemon.db.kysely;
    await updateConnectionSettings(db, s.connectionId, (settings) => ({ ...settings, recordSync: { ...settings.recordSync, contacts: { ...settings.recordSync.contacts, enabled: true } } }), Date.now());
    const started = await s.api('POST', `/api/connections/${s.connectionId}/backfills`, { kind: 'contacts', direction: 'to_hubspot' });
    t.equal(started.status, 202, 'a backfill runs');
    const invite = await s.api('POST', '/api/people/invitations', { username: 'vera', role: 'viewer' });
    const link = String(invite.body?.link.path).split('#')[1] ?? '';
    const accepted = await s.server.fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitation: link, password: 'veras own password' }) });
    t.equal(accepted.status, 200);

    const { page, errors } = await signedInPage(t, { url: s.server.url, username: 'vera', password: 'veras own password' });
    await page.goto(`${s.server.url}/connections/${s.connectionId}`);
    const panel = page.getByRole('region', { name: 'Contacts & companies' });
    await panel.getByRole('progressbar', { name: 'Contacts, Intercom → HubSpot: progress' }).waitFor();
    await panel.getByRole('region', { name: 'Contacts' }).getByText('In Intercom').waitFor();
    t.equal(await panel.getByRole('button').count(), 0, 'no Sync now, Backfill conversations, Pause or Cancel');
    await panel.screenshot({ path: `${SHOTS}/sync-viewer.png` });
    t.same(errors, [], 'no script or console errors');
  });

  t.test('a real backfill through the sandbox: its pages run, the bar fills, it ends listed with its counts', async (t) => {
    // Records that existed before go-live: the live webhooks are silenced, so only the backfill writes.
    const s = await syncScenario(t, { contacts: true });
    await holdSweeps(s);
    s.intercom.control.webhooks.setFaultRates({ drop: 1 });
    s.hubspot.control.unsubscribeWebhooks(s.hubId);
    const contacts = 320; // more than two of the Intercom pages the records backfill reads (150 each)
    for (let i = 0; i < contacts; i++) s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: `before${i}@golive.test`, name: `Before ${i}` });

    const { page, errors } = await signedInPage(t, s.server, { height: 1400, timeoutMs: 30_000 });
    await page.goto(`${s.server.url}/connections/${s.connectionId}`);
    const panel = page.getByRole('region', { name: 'Contacts & companies' });
    await panel.getByRole('button', { name: 'Sync contacts now: Intercom → HubSpot' }).click();
    const item = panel.locator('.backfill').filter({ hasText: 'Contacts, Intercom → HubSpot' });
    await item.waitFor();
    // Whatever the bar showed on the way (that depends on the pace), it ends full, the backfill done.
    await panel.locator('details.backfill-finished summary').waitFor({ timeout: 60_000 });
    await panel.locator('details.backfill-finished summary').click();
    const done = panel.locator('details.backfill-finished .backfill[data-state="done"]');
    await done.waitFor();
    t.equal(await done.getByRole('progressbar').getAttribute('aria-valuenow'), '100', 'the bar is full');
    t.match(await done.innerText(), new RegExp(`${contacts} of ${contacts} \\(100 %\\)[\\s\\S]*${contacts} created[\\s\\S]*0 failed`), 'every contact counted, created in HubSpot');
    t.equal(s.records('contacts').length >= contacts, true, 'and HubSpot has them');
    // The counts catch up without a reload (the server keeps the pair counts 15 s, the panel asks every 15 s and when a backfill stops).
    const paired = panel.getByRole('region', { name: 'Contacts' }).locator('.sync-count').filter({ hasText: 'Paired' });
    await paired.filter({ hasText: String(contacts) }).waitFor({ timeout: 45_000 });
    t.pass('the counts follow: every contact paired');
    const pages = panel.getByRole('table', { name: 'Recent contact and company jobs, newest first' }).locator('tbody tr').filter({ hasText: /Backfill, \d+ pages/ });
    await pages.first().waitFor();
    t.match(await pages.first().innerText(), /Contacts\s+Backfill, \d+ pages\s+Done/, 'its page jobs are one line among the recent jobs');
    await panel.screenshot({ path: `${SHOTS}/sync-real-run.png` });
    t.same(errors, [], 'no script or console errors');
  });
}
