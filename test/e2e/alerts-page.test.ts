// Issue #16 item 2 in real headless Chromium: Settings → Alerts. A channel from the YAML is listed
// read-only; an admin adds a webhook channel (its secret never comes back), sends a test, and sees
// it delivered — at a local HTTP listener that checks the signature — in the channel's status and
// the recent alerts. A second test to a listener answering 500 shows the failure.
// Screenshot: test/e2e/out/alerts-page.png.
import { mkdirSync } from 'node:fs';
import t from 'tap';
import { verifySignature } from '../../src/alerts/signature.ts';
import { chromiumMissing, OUT_DIR, signedInPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';
import { startHttpSink } from '../alerts/sinks.ts';

const SECRET = 'the receivers shared secret';

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  mkdirSync(OUT_DIR, { recursive: true });

  t.test('add a webhook channel, send a test, see it delivered; a failing receiver is shown', async (t) => {
    const sink = await startHttpSink(t);
    const server = await startTestServer(t, { config: { alerts: { channels: [{ name: 'Ops Slack', type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/yaml' }] } } });
    const { page, errors } = await signedInPage(t, server, { height: 1200, timeoutMs: 15_000 });

    await page.goto(`${server.url}/settings`);
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    const channels = page.getByRole('region', { name: 'Channels' });
    const yamlRow = channels.getByRole('row').filter({ hasText: 'Ops Slack' });
    await yamlRow.waitFor();
    t.match(await yamlRow.innerText(), /Managed by config[\s\S]*Webhook URL set \(hidden\)[\s\S]*Nothing sent yet[\s\S]*Change it in alerts\.channels\[0\]/);
    t.equal(await yamlRow.getByRole('button', { name: 'Edit' }).count(), 0, 'no edit for a YAML channel');

    const form = page.getByRole('form', { name: 'Add a channel' });
    await form.getByLabel('Type').selectOption('webhook');
    await form.getByLabel('Name').fill('Ops receiver');
    await form.getByLabel('URL').fill('http://alerts.example.com/hook');
    await form.getByLabel('Shared secret').fill(SECRET);
    await form.getByRole('button', { name: 'Add channel' }).click();
    await form.getByText(/url: must be an https URL/).first().waitFor();
    await form.getByLabel('URL').fill(`${sink.url}/hook`);
    await form.getByRole('button', { name: 'Add channel' }).click();
    const row = channels.getByRole('row').filter({ hasText: 'Ops receiver' });
    await row.waitFor();
    t.match(await row.innerText(), new RegExp(`${sink.url}/hook[\\s\\S]*Secret set`));
    t.notOk((await page.content()).includes(SECRET), 'the secret is not on the page');

    await row.getByRole('button', { name: 'Send a test' }).click();
    await row.getByText('Test delivered.').waitFor();
    await row.getByText('Delivered', { exact: true }).waitFor();
    t.equal(sink.received.length, 1);
    const hook = sink.received[0]!;
    t.ok(verifySignature(SECRET, { signature: hook.headers['x-interhubz-signature'] as string, timestamp: hook.headers['x-interhubz-timestamp'] as string }, hook.body, Math.floor(Date.now() / 1000)), 'signed with the secret typed in');
    t.match(JSON.parse(hook.body), { event: 'test', reason: /a test of the channel "Ops receiver", sent by admin/ });
    const recent = page.getByRole('region', { name: 'Recent alerts' });
    await recent.getByRole('row').filter({ hasText: 'Ops receiver' }).first().waitFor();
    await page.screenshot({ path: `${OUT_DIR}alerts-page.png`, fullPage: true });

    sink.script.push(500);
    await row.getByRole('button', { name: 'Send a test' }).click();
    await row.getByText('Test failed.').waitFor();
    await row.getByText(/127\.0\.0\.1:\d+ answered 500: receiver is down/).waitFor();
    await channels.getByRole('status').getByText(/The test to Ops receiver failed: 127\.0\.0\.1:\d+ answered 500/).waitFor();
    await row.getByText('Failed', { exact: true }).waitFor();
    t.match(await recent.innerText(), /Failed[\s\S]*answered 500/);
    await page.screenshot({ path: `${OUT_DIR}alerts-page-failed-test.png`, fullPage: true });
    t.same(errors, [], 'no script or console errors');
  });
}
