// Record sync's activity entries in real headless Chromium (#17 item 13): on the Activity page and a
// connection's Activity tab, filtered by kind, a contact's entry names the Intercom contact, the
// fields written and their direction, and links the HubSpot record — no conversation links.
import t from 'tap';
import { recordActivity } from '../../src/activity/activity-log.ts';
import { chromiumMissing, OUT_DIR, signedInPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  t.test('contact and company sync entries, filtered by kind, on both activity views', async (t) => {
    const server = await startTestServer(t, { startScheduler: false });
    const db = server.daemon.db.kysely;
    await db.insertInto('connections').values({ id: 'c-eu', name: 'Support EU', status: 'active', managed_by_config: 0, created_at: 0, updated_at: 0, intercom_workspace_id: 'euws1', intercom_region: 'eu', hubspot_portal_id: 4411 }).execute();
    const now = Date.now();
    await recordActivity(db, { connectionId: 'c-eu', at: now - 3000, kind: 'capture', subjectId: '1001', outcome: 'captured', detail: { trigger: 'close', noteId: '90001' } });
    await recordActivity(db, {
      connectionId: 'c-eu', at: now - 2000, kind: 'contact', subjectId: '65f0c0ffee', outcome: 'updated',
      detail: { intercomId: '65f0c0ffee', hubspotId: '301', pairing: 'paired', trigger: 'intercom', written: [{ intercom: 'name', hubspot: 'firstname+lastname', direction: 'to_hubspot' }, { intercom: 'phone', hubspot: 'phone', direction: 'to_intercom' }], skipped: [{ intercom: 'custom.seats', hubspot: 'seats', rule: 'type_conversion', types: 'Intercom string ↔ HubSpot number' }] },
      apiCalls: 3, durationMs: 210,
    });
    await recordActivity(db, { connectionId: 'c-eu', at: now - 1000, kind: 'company', subjectId: '65f0beef', outcome: 'updated', detail: { intercomId: '65f0beef', hubspotId: '401', trigger: 'sweep', written: [{ intercom: 'size', hubspot: 'numberofemployees', direction: 'to_hubspot' }], skipped: [] }, apiCalls: 1, durationMs: 80 });

    const { page, errors } = await signedInPage(t, server, { height: 900 });
    await page.goto(`${server.url}/activity?kind=contact`);
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    const rows = page.getByRole('table', { name: 'Activity across connections, newest first' }).locator('tbody tr');
    await rows.first().waitFor();
    for (let tries = 0; tries < 100 && (await rows.count()) !== 1; tries++) await page.waitForTimeout(100);
    t.equal(await rows.count(), 1, 'only the contact entry');
    const row = rows.first();
    t.match(await row.innerText(), /Intercom contact 65f0c0ffee/, 'names the Intercom contact');
    t.match(await row.innerText(), /name → HubSpot, phone → Intercom · skipped: custom\.seats \(type_conversion\)/, 'the fields written, their direction and the skipped one with its rule');
    t.equal(await row.getByRole('link', { name: /^301/ }).getAttribute('href'), 'https://app.hubspot.com/contacts/4411/record/0-1/301', 'the HubSpot contact opens in HubSpot');
    t.equal(await row.getByRole('link', { name: /Explain/ }).count(), 0, 'no conversation explainer for a contact');
    await page.screenshot({ path: `${OUT_DIR}record-sync-activity-page.png`, fullPage: true });

    await page.goto(`${server.url}/connections/c-eu/activity`);
    const kind = page.getByLabel('Kind');
    await kind.waitFor();
    await kind.selectOption('company');
    const tabRows = page.locator('table tbody tr');
    // The unfiltered list shows the company entry first too: wait for the filtered list itself.
    for (let tries = 0; tries < 100 && (await tabRows.count()) !== 1; tries++) await page.waitForTimeout(100);
    t.equal(await tabRows.count(), 1, 'the tab filters by kind too');
    t.match(await tabRows.first().innerText(), /Intercom company 65f0beef[\s\S]*size → HubSpot[\s\S]*Company 401/, 'the company, its field and its HubSpot id');
    await page.screenshot({ path: `${OUT_DIR}record-sync-activity-tab.png`, fullPage: true });
    t.same(errors, [], 'no errors in the browser');
  });
}
