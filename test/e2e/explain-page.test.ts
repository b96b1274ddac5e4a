// The conversation explainer in real headless Chromium (issue #16 items 4 and 12): opened from an
// activity row for a captured and for a skipped conversation, the timeline in plain words and what
// was written; "Replay with current settings" shows done and now side by side with the difference
// marked; and the box on the Activity tab opens it from a pasted Intercom URL.
import t from 'tap';
import { chromiumMissing, OUT_DIR, signedInPage } from '../helpers/browser.ts';
import { captureScenario } from '../helpers/capture-scenario.ts';

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  t.test('a captured conversation: from the Activity page to its story, then a replay after a settings change', async (t) => {
    const s = await captureScenario(t);
    await s.setSettings((settings) => void (settings.conversations.guards.minDurationMinutes = 0));
    const { conversationId } = s.conversation({ spacingMs: 0 });
    t.equal((await s.push(conversationId)).body?.outcome, 'captured');
    const noteId = s.notes()[0]?.id ?? '';

    const { page, errors } = await signedInPage(t, s.server, { height: 1000 });
    await page.goto(`${s.server.url}/activity`);
    const row = page.locator('tbody tr').filter({ hasText: conversationId }).first();
    await row.getByRole('link', { name: `Explain conversation ${conversationId}` }).click();
    await page.getByRole('heading', { level: 1, name: `Conversation ${conversationId}` }).waitFor();
    t.equal(new URL(page.url()).pathname, `/connections/${s.connectionId}/conversations/${conversationId}/explain`);
    const timeline = page.getByRole('list', { name: 'What happened, oldest first' });
    await timeline.waitFor();
    const story = await timeline.innerText();
    t.match(story, /Guards passed: 2 customer messages \(minimum 2\)/, 'the guard verdicts in words');
    t.match(story, /Routing: no routing rules; by default the conversation goes to contact, company/, 'the routing decision');
    t.match(story, /Matching contacts by email: no HubSpot record found/, 'the matching step');
    t.match(story, new RegExp(`Note written: note ${noteId}`), 'what was written');
    t.match(await page.locator('.explain-outcome-summary').innerText(), new RegExp(`Captured: note ${noteId} on contact \\d+`));
    t.ok(await page.getByRole('link', { name: /Open the conversation in Intercom/ }).isVisible(), 'a link to the conversation in Intercom');
    await page.screenshot({ path: `${OUT_DIR}explain-captured.png`, fullPage: true });

    // A stricter guard since: the replay says the conversation would be skipped now, and by which guard.
    await s.setSettings((settings) => void (settings.conversations.guards.minCustomerMessages = 5));
    await page.getByRole('button', { name: 'Replay with current settings' }).click();
    const verdict = page.locator('.replay-verdict');
    await verdict.waitFor();
    t.match(await verdict.innerText(), /2 differences from what was done: outcome, guard that skipped it/);
    const table = page.getByRole('table', { name: 'What was done and what would be done now' });
    const outcomeRow = table.getByRole('row').filter({ hasText: 'Outcome' });
    t.match(await outcomeRow.innerText(), /differs[\s\S]*captured[\s\S]*skipped/, 'done and now side by side, the difference marked');
    t.equal(await outcomeRow.getAttribute('class'), 'replay-changed');
    t.match(await table.getByRole('row').filter({ hasText: 'Guard that skipped it' }).innerText(), /min_customer_messages/);
    t.equal(s.notes().length, 1, 'the replay wrote nothing');
    await page.screenshot({ path: `${OUT_DIR}explain-replay.png`, fullPage: true });
    t.same(errors, []);
  });

  t.test('a skipped conversation: from the Activity tab, and by pasting its Intercom URL', async (t) => {
    const s = await captureScenario(t);
    const { conversationId } = s.conversation({ messages: 1 });
    t.equal((await s.push(conversationId)).body?.outcome, 'skipped');

    const { page, errors } = await signedInPage(t, s.server, { height: 900 });
    await page.goto(`${s.server.url}/connections/${s.connectionId}/activity`);
    await page.getByRole('link', { name: `Explain conversation ${conversationId}` }).click();
    await page.getByRole('heading', { level: 1, name: `Conversation ${conversationId}` }).waitFor();
    const summary = page.locator('.explain-outcome-summary');
    await summary.waitFor();
    t.match(await summary.innerText(), /^Skipped by the guard human_teammate: no human teammate replied .*Nothing was written to HubSpot\.$/);
    t.match(await page.getByRole('list', { name: 'What happened, oldest first' }).innerText(), /Skipped by the guard human_teammate/, 'the guard in the timeline');
    t.ok(await page.getByText('No HubSpot record.').isVisible());
    await page.getByRole('button', { name: 'Replay with current settings' }).click();
    await page.locator('.replay-verdict').filter({ hasText: 'Same as what was done' }).waitFor();
    await page.screenshot({ path: `${OUT_DIR}explain-skipped.png`, fullPage: true });

    // Back on the Activity tab: the conversation's Intercom URL pasted into the box opens its explainer.
    await page.goto(`${s.server.url}/connections/${s.connectionId}/activity`);
    const box = page.getByRole('textbox', { name: 'Explain a conversation' });
    await box.fill('https://example.com/not-intercom');
    await page.getByRole('button', { name: 'Explain', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'not an Intercom conversation URL' }).waitFor();
    await page.screenshot({ path: `${OUT_DIR}explain-lookup-refused.png` });
    await box.fill(`https://app.intercom.com/a/inbox/${s.workspaceId}/inbox/conversation/${conversationId}`);
    await page.getByRole('button', { name: 'Explain', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: `Conversation ${conversationId}` }).waitFor();
    t.equal(new URL(page.url()).pathname, `/connections/${s.connectionId}/conversations/${conversationId}/explain`);
    t.same(errors, []);
  });
}
