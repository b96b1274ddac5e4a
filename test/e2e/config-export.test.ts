// In real headless Chromium (issue #16 items 9, 10 and 12): Settings → Export configuration downloads
// a YAML file that parses, validates with the config schema and names the connections; and the
// rate-budget meter on a connection's Overview, with a shared portal and work waiting on a 429.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { parseConfig } from '../../src/config/load.ts';
import { connectionOwner, putCredential } from '../../src/db/repos/credentials.ts';
import { STATIC_TOKEN_KIND } from '../../src/integrations/hubspot/auth.ts';
import { INTERCOM_TOKEN_KIND } from '../../src/integrations/intercom/auth.ts';
import { chromiumMissing, OUT_DIR, signedInPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  t.test('the configuration export downloads; the Overview shows the rate budget', async (t) => {
    const server = await startTestServer(t, { startScheduler: false });
    const db = server.daemon.db.kysely;
    const now = Date.now();
    await db
      .insertInto('connections')
      .values([
        { id: 'c-support', name: 'Support EU', status: 'active', managed_by_config: 0, created_at: now, updated_at: now, intercom_workspace_id: 'euws1', intercom_region: 'eu', hubspot_portal_id: 4411, hubspot_auth: 'token', intercom_auth: 'token', settings: JSON.stringify({ timeZone: 'Europe/Berlin' }) },
        { id: 'c-sales', name: 'Sales desk', status: 'active', managed_by_config: 0, created_at: now, updated_at: now, intercom_workspace_id: 'usws2', intercom_region: 'us', hubspot_portal_id: 4411, hubspot_auth: 'token', intercom_auth: 'token', settings: '{}' },
      ])
      .execute();
    await putCredential(db, server.daemon.vault, { owner: connectionOwner('c-support'), kind: STATIC_TOKEN_KIND, value: 'pat-na1-secret-never-shown', now });
    await putCredential(db, server.daemon.vault, { owner: connectionOwner('c-support'), kind: INTERCOM_TOKEN_KIND, value: 'intercom-secret-never-shown', now });

    const { page, errors } = await signedInPage(t, server, { height: 900 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'Export configuration' }) });
    await section.waitFor();
    t.match(await section.innerText(), /connect them again/, 'what cannot be exported is said');
    await section.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${OUT_DIR}settings-config-export.png` });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download configuration (YAML)' }).click()]);
    t.match(download.suggestedFilename(), /^interhubz-config-\d{4}-\d{2}-\d{2}\.yaml$/);
    const yaml = await readFile(await download.path(), 'utf8');
    t.notOk(yaml.includes('pat-na1-secret-never-shown') || yaml.includes('intercom-secret-never-shown'), 'no secret in the file');
    const env = { SUPPORT_EU_HUBSPOT_TOKEN: 'pat-na1-11111111-2222-3333-4444-555555555555', SUPPORT_EU_INTERCOM_TOKEN: 'x' };
    const config = parseConfig(yaml, env, 'the download');
    t.same(config.connections.map((c) => c.name), ['Sales desk', 'Support EU'], 'the file parses and names the connections');
    t.equal(config.connections[1]?.timeZone, 'Europe/Berlin');

    // The portal's budgets as the clients spend them: a few calls, then HubSpot refuses one with 429
    // and a job of Support EU is put off until its Retry-After.
    const portal = server.daemon.upstream.hubspotRates.portal('4411', 'static');
    for (const path of ['/crm/objects/2026-09/notes', '/crm/objects/2026-09/notes', '/crm/objects/2026-09/contacts/search']) {
      const call = { method: 'POST' as const, path, ...(path.endsWith('search') ? { budget: 'search' } : {}) };
      await portal.plan(call);
      portal.learn(call, 200, {});
    }
    const refused = { method: 'GET' as const, path: '/crm/owners/2026-09' };
    await portal.plan(refused);
    portal.learn(refused, 429, { 'retry-after': '90' });
    await db
      .insertInto('jobs')
      .values({ task: 'owners.refresh', payload: '{}', key: null, connection_id: 'c-support', status: 'queued', run_at: now + 90_000, attempts: 1, max_attempts: 10, locked_by: null, locked_until: null, last_error: 'HubSpot GET /crm/owners/2026-09 failed with 429: You have reached your ten_secondly_rolling limit.', created_at: now, updated_at: now, finished_at: null, superseded_by: null })
      .execute();

    await page.goto(`${server.url}/connections/c-support`);
    const meter = page.locator('section.budget-meter');
    await meter.waitFor();
    const text = await meter.innerText();
    t.match(text, /HubSpot portal 4411/);
    t.match(text, /Shared with Sales desk: their calls spend this budget too\./, 'the shared portal is said');
    t.match(text, /Waiting on the budget/);
    t.match(text, /1 job is put off until the vendor's wait is over/);
    t.match(text, /HubSpot answered 429/);
    t.match(text, /crm\.objects\.notes\.create\s+2/, 'calls by kind in the last hour');
    t.match(text, /Intercom workspace euws1/);
    t.match(text, /Intercom has no daily limit/);
    t.equal(await meter.locator('[data-vendor="hubspot"]').getByRole('meter', { name: 'Calls per 10 seconds' }).getAttribute('aria-valuenow'), '3', 'the burst bar counts the three standard calls');
    await meter.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${OUT_DIR}connection-budget-meter.png`, fullPage: true });
    t.same(errors, [], 'no script or console errors');
  });
}
