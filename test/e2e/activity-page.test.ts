// The Activity page in real headless Chromium (issue #16 items 3, 10 and 12): two connections'
// entries on one list, newest first; filtering by connection and outcome; searching by conversation
// id; following one conversation; loading more; and the CSV export downloaded with the filters shown.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { recordActivity, type ActivityEntry } from '../../src/activity/activity-log.ts';
import { chromiumMissing, OUT_DIR, path, signedInPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

const MINUTE = 60_000;

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  t.test('the Activity page lists, filters, searches and exports every connection’s entries', async (t) => {
    const server = await startTestServer(t, { startScheduler: false });
    const db = server.daemon.db.kysely;
    await db
      .insertInto('connections')
      .values([
        { id: 'c-support', name: 'Support EU', status: 'active', managed_by_config: 0, created_at: 0, updated_at: 0, intercom_workspace_id: 'euws1', intercom_region: 'eu', hubspot_portal_id: 4411 },
        { id: 'c-sales', name: 'Sales desk', status: 'active', managed_by_config: 0, created_at: 0, updated_at: 0, intercom_workspace_id: 'usws2', intercom_region: 'us', hubspot_portal_id: 5522 },
      ])
      .execute();
    const now = Date.now();
    const entries: ActivityEntry[] = [
      { connectionId: 'c-support', at: now - 50 * MINUTE, kind: 'capture', subjectId: '1001', outcome: 'captured', detail: { trigger: 'close', noteId: '90001', contact: { id: '301', how: 'email', created: true }, company: { id: '401', how: 'domain', created: false } }, apiCalls: 6, durationMs: 840 },
      { connectionId: 'c-sales', at: now - 40 * MINUTE, kind: 'capture', subjectId: '2002', outcome: 'skipped', reason: 'min_customer_messages', detail: { trigger: 'close', why: 'The customer wrote 1 message; at least 2 are needed.' }, apiCalls: 1, durationMs: 120 },
      { connectionId: 'c-support', at: now - 30 * MINUTE, kind: 'ticket', subjectId: '1001', outcome: 'updated', reason: 'ticket stage → Waiting on us', detail: { ticketId: '7001', stage: '2' } },
      { connectionId: 'c-sales', at: now - 20 * MINUTE, kind: 'capture', subjectId: '2003', outcome: 'failed', reason: 'HubSpot answered 500: internal error', detail: { trigger: 'close' }, apiCalls: 3, durationMs: 2300 },
      { connectionId: 'c-support', at: now - 10 * MINUTE, kind: 'capture', subjectId: '1004', outcome: 'captured', detail: { trigger: 'api', noteId: '90004', contact: { id: '304', how: 'email', created: false } }, apiCalls: 4, durationMs: 610 },
    ];
    for (const entry of entries) await recordActivity(db, entry);

    const { page, errors } = await signedInPage(t, server, { height: 900 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    const table = page.getByRole('table', { name: 'Activity across connections, newest first' });
    const rows = table.locator('tbody tr');
    const conversations = () => rows.locator('.conversation-id').allInnerTexts();
    /** The rows once they show `expected` (the list reloads after each change), or what they show after 10 s. */
    const listed = async (expected: string[]) => {
      for (let tries = 0; tries < 100; tries++) {
        const shown = await conversations();
        if (JSON.stringify(shown) === JSON.stringify(expected)) return shown;
        await page.waitForTimeout(100);
      }
      return conversations();
    };
    await rows.nth(4).waitFor();
    t.same(await conversations(), ['1004', '2003', '1001', '2002', '1001'], 'both connections’ entries, newest first');
    t.same(await rows.locator('td:nth-child(2)').allInnerTexts(), ['Support EU', 'Sales desk', 'Support EU', 'Sales desk', 'Support EU'], 'each row names its connection');
    const first = rows.nth(4);
    t.equal(await first.getByRole('link', { name: /^1001/ }).getAttribute('href'), 'https://app.eu.intercom.com/a/inbox/euws1/inbox/conversation/1001', 'the conversation opens in the eu inbox');
    t.equal(await first.getByRole('link', { name: /^301/ }).getAttribute('href'), 'https://app.hubspot.com/contacts/4411/record/0-1/301', 'the contact opens in HubSpot');
    t.equal(await first.getByRole('link', { name: /^401/ }).getAttribute('href'), 'https://app.hubspot.com/contacts/4411/record/0-2/401', 'the company too');
    await page.screenshot({ path: `${OUT_DIR}activity-page.png`, fullPage: true });

    // Filters: connection, then outcome on top; the address keeps them.
    await page.getByLabel('Connection').selectOption({ label: 'Sales desk' });
    t.same(await listed(['2003', '2002']), ['2003', '2002'], 'one connection');
    await page.getByLabel('Outcome').selectOption('failed');
    t.same(await listed(['2003']), ['2003'], 'and one outcome');
    t.ok(await rows.first().getByText('HubSpot answered 500: internal error').isVisible(), 'the failure says the vendor’s words');
    t.equal(new URL(page.url()).search, '?connection=c-sales&outcome=failed', 'the filters are in the address');
    await page.getByLabel('Outcome').selectOption('captured');
    await page.getByText('No entries match these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear the filters' }).click();
    await rows.nth(4).waitFor();
    t.equal(path(page), '/activity');
    t.equal(new URL(page.url()).search, '', 'cleared from the address too');

    // Search by conversation id: the capture and the ticket change of 1001.
    await page.getByRole('searchbox', { name: 'Conversation' }).fill('1001');
    await page.getByRole('button', { name: 'Search' }).click();
    t.same(await listed(['1001', '1001']), ['1001', '1001']);
    t.same(await rows.locator('td:nth-child(4) .cell-sub').allInnerTexts(), ['ticket', 'capture'], 'its ticket change and its capture');
    t.ok(await rows.first().getByRole('link', { name: /^7001/ }).isVisible(), 'the ticket links to HubSpot');
    await page.screenshot({ path: `${OUT_DIR}activity-page-search.png`, fullPage: true });

    // The export carries the filters shown: the file holds the two entries of 1001.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    t.match(download.suggestedFilename(), /^interhubz-activity-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    t.match(lines[0], /^id,time,connection_id,connection,kind,conversation_id,outcome,reason,hubspot_records,/, 'a header row');
    t.equal(lines.length, 3, 'the header and the two entries on screen');
    t.ok(lines.slice(1).every((line) => line.includes(',c-support,Support EU,') && line.includes(',1001,')), 'only the searched conversation');
    t.match(lines[2], 'contact:301 company:401 note:90001');

    // "All entries" on a row follows that conversation on its connection.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await listed(['1004', '2003', '1001', '2002', '1001']);
    await rows.nth(1).getByRole('link', { name: /All entries/ }).click();
    t.same(await listed(['2003']), ['2003']);
    t.equal(await page.getByRole('searchbox', { name: 'Conversation' }).inputValue(), '2003', 'the search box shows what is searched');
    t.equal(await page.getByLabel('Connection').inputValue(), 'c-sales');
    t.equal(await rows.getByRole('link', { name: /All entries/ }).count(), 0, 'rows of the conversation followed need no link to it');
    t.same(errors, [], 'no script or console errors');
  });

  t.test('a long log loads more on demand; an empty one says nothing happened yet', async (t) => {
    const server = await startTestServer(t, { startScheduler: false });
    const db = server.daemon.db.kysely;
    await db.insertInto('connections').values({ id: 'c-one', name: 'Only one', status: 'active', managed_by_config: 0, created_at: 0, updated_at: 0 }).execute();
    const { page, errors } = await signedInPage(t, server);
    await page.goto(`${server.url}/activity`);
    await page.getByRole('heading', { name: 'Nothing has happened yet' }).waitFor();

    for (let i = 0; i < 60; i++) await recordActivity(db, { connectionId: 'c-one', at: Date.now() - (60 - i) * MINUTE, kind: 'capture', subjectId: `${5000 + i}`, outcome: 'unchanged' });
    await page.reload();
    const rows = page.getByRole('table', { name: /Activity across connections/ }).locator('tbody tr');
    await rows.nth(49).waitFor();
    t.equal(await rows.count(), 50, 'one page first');
    await page.getByRole('button', { name: 'Load more' }).click();
    await rows.nth(59).waitFor();
    t.equal(await rows.count(), 60);
    await page.getByText('60 entries. That is all.').waitFor();
    t.same(errors, []);
  });
}
