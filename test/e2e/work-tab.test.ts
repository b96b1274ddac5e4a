// The "Failed & waiting" tab in real headless Chromium (issue #16 items 5 and 12): a capture that
// failed for good (HubSpot answered 500 until the job gave up) is listed with its reason and
// attempts; Retry asks first; with HubSpot healthy again the job runs, the note is written and the
// row leaves the list. A viewer sees the same list with no buttons that change anything.
import t from 'tap';
import { CAPTURE_TASK, captureKey } from '../../src/capture/capture-task.ts';
import { chromiumMissing, OUT_DIR, signedInPage } from '../helpers/browser.ts';
import { captureScenario } from '../helpers/capture-scenario.ts';
import { until } from '../helpers/until.ts';

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  t.test('a failed capture is listed, retried after a confirmation, runs and leaves the list', async (t) => {
    // Two attempts with short waits, and no retries inside a call: the job gives up within seconds.
    const s = await captureScenario(t, { config: { jobs: { maxAttempts: 2, backoffBaseSeconds: 1 }, upstream: { maxAttemptsPerCall: 1 } } });
    // Only the job below captures: the close webhook schedules nothing in manual mode.
    await s.setSettings((settings) => void (settings.conversations.capture.mode = 'manual'));
    const { conversationId } = s.conversation();
    s.hubspot.control.addFault({ kind: '500', count: 1000 });
    await s.server.daemon.jobs.enqueue({ task: CAPTURE_TASK, payload: { conversationId, trigger: 'manual' }, connectionId: s.connectionId, key: captureKey(s.connectionId, conversationId) });
    const db = s.server.daemon.db.kysely;
    const job = () => db.selectFrom('jobs').select(['id', 'status', 'attempts', 'last_error']).where('task', '=', CAPTURE_TASK).orderBy('id').executeTakeFirst();
    await until('the capture job to fail for good', async () => (await job())?.status === 'failed', { timeoutMs: 60_000, explain: async () => JSON.stringify(await job()) });
    const jobId = (await job())?.id;
    t.equal(s.notes().length, 0, 'no note while HubSpot failed');

    const { page, errors } = await signedInPage(t, s.server, { height: 900 });
    await page.goto(`${s.server.url}/connections/${s.connectionId}/work?state=failed`);
    const table = page.getByRole('table', { name: 'Failed and waiting jobs, newest first' });
    const row = table.locator('tbody tr').first();
    await row.waitFor();
    t.equal(await page.getByRole('tab', { name: 'Failed & waiting' }).getAttribute('aria-selected'), 'true', 'the tab is selected');
    t.equal(await page.getByRole('button', { name: /^Failed/ }).getAttribute('aria-pressed'), 'true', '?state=failed picks the Failed chip');
    t.match(await row.innerText(), new RegExp(`Capture conversation ${conversationId} into HubSpot`), 'says what the job was for');
    t.match(await row.innerText(), /gave up after 2 attempts/, 'and why it failed');
    t.match(await row.innerText(), /2 of 2/, 'with its attempts');
    await page.screenshot({ path: `${OUT_DIR}work-tab-failed.png`, fullPage: true });

    // HubSpot is healthy again; the retry is asked for, then confirmed.
    s.hubspot.control.clearFaults();
    await row.getByRole('button', { name: `Retry job ${jobId}` }).click();
    const dialog = page.getByRole('dialog', { name: `Retry job ${jobId}?` });
    await dialog.waitFor();
    t.match(await dialog.innerText(), /queued again now with its full 2 attempts/);
    await page.screenshot({ path: `${OUT_DIR}work-tab-retry-dialog.png` });
    await dialog.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('status').filter({ hasText: 'queued again with fresh attempts' }).waitFor();

    await until('the retried capture to succeed', async () => (await job())?.status === 'succeeded', { timeoutMs: 30_000, explain: async () => JSON.stringify(await job()) });
    t.equal(s.notes().length, 1, 'the note is written');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByText('Nothing failed or waiting').waitFor();
    t.equal(await table.count(), 0, 'the row left the list');
    t.match(await page.getByRole('button', { name: /^Failed/ }).innerText(), /0/, 'the Failed count is 0');
    await page.screenshot({ path: `${OUT_DIR}work-tab-empty.png`, fullPage: true });
    t.match(await db.selectFrom('audit_log').select(['actor_name', 'action', 'target_kind']).where('action', '=', 'job.retry').execute(), [{ actor_name: 'admin', action: 'job.retry', target_kind: 'job' }], 'the retry is in the audit trail');
    t.same(errors, []);
  });

  t.test('a viewer sees the failed work but no Retry, Cancel or bulk buttons', async (t) => {
    const s = await captureScenario(t, { startScheduler: false });
    const { conversationId } = s.conversation({ close: false });
    const now = Date.now();
    await s.server.daemon.db.kysely
      .insertInto('jobs')
      .values({ task: CAPTURE_TASK, payload: JSON.stringify({ conversationId, trigger: 'on_close' }), connection_id: s.connectionId, status: 'failed', run_at: now, attempts: 10, max_attempts: 10, last_error: 'gave up after 10 attempts: HubSpot answered 500', created_at: now, updated_at: now, finished_at: now })
      .execute();
    const invite = await s.api('POST', '/api/people/invitations', { username: 'vera', role: 'viewer' });
    const link = String(invite.body?.link.path).split('#')[1] ?? '';
    const accepted = await s.server.fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitation: link, password: 'veras own password' }) });
    t.equal(accepted.status, 200);

    const { page, errors } = await signedInPage(t, { url: s.server.url, username: 'vera', password: 'veras own password' });
    await page.goto(`${s.server.url}/connections/${s.connectionId}/work?state=failed`);
    const row = page.getByRole('table', { name: 'Failed and waiting jobs, newest first' }).locator('tbody tr').first();
    await row.waitFor();
    t.match(await row.innerText(), new RegExp(`Capture conversation ${conversationId}`));
    t.equal(await page.getByRole('button', { name: /^(Retry (job|all)|Dismiss|Cancel (job|all)|Run )/ }).count(), 0, 'no button that changes anything');
    await page.screenshot({ path: `${OUT_DIR}work-tab-viewer.png`, fullPage: true });

    // The chips and the address agree: a chip changes ?state=, and a change of address (a link from
    // the connection's health line while this tab is open) picks the chip.
    const chip = (name: RegExp) => page.getByRole('group', { name: 'Show' }).getByRole('button', { name });
    await chip(/^All/).click();
    await page.waitForURL((url) => url.search === '');
    t.equal(await chip(/^All/).getAttribute('aria-pressed'), 'true', 'All is picked and the address has no state');
    // As the router sees a link followed: the address changes, then it is told (it listens to popstate).
    await page.evaluate("window.history.pushState(null, '', window.location.pathname + '?state=failed'); window.dispatchEvent(new PopStateEvent('popstate'))");
    await page.waitForFunction(`document.querySelector('.work-chip[aria-pressed="true"]')?.textContent?.startsWith('Failed')`);
    t.pass('an address with ?state=failed picks Failed while the tab is open');
    await chip(/^Parked/).click();
    await page.getByText('Nothing of this kind').waitFor();
    t.equal(new URL(page.url()).search, '?state=parked');
    t.same(errors, []);
  });
}
