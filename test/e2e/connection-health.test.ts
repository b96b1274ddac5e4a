// Health is never hidden (issue #16 items 1 and 12), in real headless Chromium: (a) HubSpot answers
// 500 while a capture retries — the list and the page say "Needs attention" with the retry's line;
// (b) HubSpot refuses the token and the work parks — "Needs re-authorisation" with the captures held.
import t from 'tap';
import { CAPTURE_TASK, captureKey } from '../../src/capture/capture-task.ts';
import { connectionOwner, getCredential } from '../../src/db/repos/credentials.ts';
import { clockTime } from '../../src/health/judge-health.ts';
import { STATIC_TOKEN_KIND } from '../../src/integrations/hubspot/auth.ts';
import { chromiumMissing, OUT_DIR, path, signedInPage } from '../helpers/browser.ts';
import { captureScenario } from '../helpers/capture-scenario.ts';
import { countRows, selectRows } from '../helpers/rows.ts';
import { sessionApi, signIn, startTestServer } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  t.test('(a) HubSpot answers 500 while a capture retries: Needs attention, with the retry in one line', async (t) => {
    // One try per call and a long backoff: the job waits for its next attempt, retrying, not late.
    const s = await captureScenario(t, { config: { jobs: { backoffBaseSeconds: 1200 }, upstream: { maxAttemptsPerCall: 1 } } });
    await s.setSettings((settings) => void (settings.conversations.capture.mode = 'manual'));
    const { conversationId } = s.conversation();
    s.hubspot.control.addFault({ kind: '500', count: 1000 });
    await s.server.daemon.jobs.enqueue({ task: CAPTURE_TASK, payload: { conversationId, trigger: 'manual' }, connectionId: s.connectionId, key: captureKey(s.connectionId, conversationId) });
    const db = s.server.daemon.db.kysely;
    const job = () =>
      db.selectFrom('jobs').select(['id', 'status', 'attempts', 'max_attempts', 'run_at', 'last_error']).where('task', '=', CAPTURE_TASK).orderBy('id').executeTakeFirst();
    const retrying = await until('the capture to fail once and wait for its next try', async () => {
      const row = await job();
      return row?.status === 'queued' && row.attempts === 1 && row.last_error !== null ? row : undefined;
    }, { timeoutMs: 30_000, explain: async () => JSON.stringify(await job()) });
    // The sandbox connection's time zone is UTC (the settings' default). The next try is 20 minutes
    // out: near midnight it falls on the next day, and the line then names the day (clockTime).
    const at = clockTime(retrying.run_at, Date.now(), 'UTC');
    const line = `Retrying: HubSpot answered 500 — attempt 1 of ${retrying.max_attempts}, next at ${at}`;

    const { page, errors } = await signedInPage(t, s.server, { height: 700 });
    const row = page.getByRole('row', { name: /Sandbox/ });
    await row.waitFor();
    t.ok(await row.locator('.badge', { hasText: 'Needs attention' }).isVisible(), 'the list says Needs attention, not Active');
    t.equal(await row.locator('.badge', { hasText: 'Active' }).count(), 0);
    t.ok(await row.getByText(line).isVisible(), `the list gives the reason: ${line}`);
    t.ok(await row.getByRole('link', { name: '1 retrying' }).isVisible(), 'and the work count');
    await page.screenshot({ path: `${OUT_DIR}connection-health-list-retrying.png`, fullPage: true });

    await row.getByRole('link', { name: 'Sandbox' }).click();
    const banner = page.locator('.health-banner');
    await banner.waitFor();
    t.match(await banner.innerText(), /Needs attention/);
    t.ok(await banner.getByText(line).isVisible(), 'the page says the same');
    t.ok(await page.locator('.page-heading .badge', { hasText: 'Needs attention' }).isVisible(), 'so does its heading');
    await page.screenshot({ path: `${OUT_DIR}connection-health-page-retrying.png`, fullPage: true });
    await banner.getByRole('link', { name: /See the retries/ }).click();
    await page.waitForURL(/\/work\?state=retrying$/);
    t.equal(path(page), `/connections/${s.connectionId}/work`, 'the link leads to the work concerned');
    t.same(errors, []);
  });

  t.test('(b) HubSpot refuses the token and the captures park: Needs re-authorisation, N captures held', async (t) => {
    const s = await captureScenario(t);
    await s.setSettings((settings) => void (settings.conversations.capture.mode = 'manual'));
    const conversations = [s.conversation(), s.conversation(), s.conversation()];
    const token = await getCredential(s.server.daemon.db.kysely, s.server.daemon.vault, connectionOwner(s.connectionId), STATIC_TOKEN_KIND);
    t.ok(token && s.hubspot.control.revokeToken(token.value), 'the private-app token is revoked in HubSpot');
    for (const { conversationId } of conversations) {
      await s.server.daemon.jobs.enqueue({ task: CAPTURE_TASK, payload: { conversationId, trigger: 'manual' }, connectionId: s.connectionId, key: captureKey(s.connectionId, conversationId) });
    }
    const db = s.server.daemon.db;
    await until('the three captures to park', async () => (await countRows(db, 'jobs', { task: CAPTURE_TASK, status: 'parked' })) === 3, {
      timeoutMs: 30_000,
      explain: async () => JSON.stringify((await selectRows(db, 'jobs')).map(({ status, last_error }) => ({ status, last_error }))),
    });
    t.match(await s.row(), { status: 'needs_reauth', hubspotRefused: true }, 'the connection is needs_reauth, never Active');
    // The connection's other queued work (webhook events still arriving, the sweep, the owner refresh)
    // waits too, and may grow while the test looks: the captures are what the line must name.
    const line = /^Waiting for re-authorisation of HubSpot: 3 captures( and \d+ other jobs?)? held/;
    const { page, errors } = await signedInPage(t, s.server, { height: 700 });
    const row = page.getByRole('row', { name: /Sandbox/ });
    await row.waitFor();
    t.ok(await row.locator('.badge', { hasText: 'Needs re-authorisation' }).isVisible(), 'the list says Needs re-authorisation');
    t.ok(await row.getByText(line).isVisible(), 'the list gives the reason: Waiting for re-authorisation of HubSpot: 3 captures … held');
    t.ok(await row.getByRole('link', { name: /^\d+ held$/ }).isVisible(), 'and the work count');
    await page.screenshot({ path: `${OUT_DIR}connection-health-list-parked.png`, fullPage: true });

    await row.getByRole('link', { name: 'Sandbox' }).click();
    const banner = page.locator('.health-banner');
    await banner.waitFor();
    t.match(await banner.innerText(), /Needs re-authorisation/);
    t.ok(await banner.getByText(line).isVisible(), 'the page says the same');
    await page.screenshot({ path: `${OUT_DIR}connection-health-page-parked.png`, fullPage: true });
    await banner.getByRole('link', { name: /See the work held/ }).click();
    await page.waitForURL(/\/work\?state=parked$/);
    t.same(errors, []);
  });

  t.test('(c) two connections pairing the same workspace and portal: the list warns on both, naming the other', async (t) => {
    const server = await startTestServer(t, { startScheduler: false });
    const api = sessionApi(server, await signIn(server));
    await api('POST', '/api/connections/sandbox');
    await api('POST', '/api/connections/sandbox', { another: true });
    const { page, errors } = await signedInPage(t, server, { height: 600 });
    const first = page.getByRole('row', { name: /^Sandbox Sandbox/ });
    const second = page.getByRole('row', { name: /^Sandbox 2 Sandbox/ });
    await second.waitFor();
    t.match(await first.locator('.pairing-warning').innerText(), /^Pairs the same Intercom workspace \(\w+\) and HubSpot portal \(\d+\) as 'Sandbox 2': conversations may be captured twice\.$/);
    t.match(await second.locator('.pairing-warning').innerText(), /as 'Sandbox'/);
    await page.screenshot({ path: `${OUT_DIR}connection-health-list-pairing.png`, fullPage: true });
    t.same(errors, []);
  });
}
