// Papercuts of a first run (#16 item 11) in real headless Chromium: "Try the sandbox" a second time
// opens the sandbox there is; the connection tab that holds the capture settings is called
// "Capture" (its old address still works); and unsaved settings ask before they are dropped —
// leaving by a tab, by a link, by Back, and closing the browser tab. Screenshots in test/e2e/out/.
import { mkdirSync } from 'node:fs';
import t from 'tap';
import type { Dialog, Page } from 'playwright-core';
import { chromiumMissing, OUT_DIR, path, signedInPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

/** Runs `act` and answers the one dialog it opens; returns that dialog's kind and message. */
async function answerDialog(page: Page, answer: 'accept' | 'dismiss', act: () => Promise<unknown>): Promise<{ type: string; message: string }> {
  const opened = new Promise<Dialog>((resolve) => page.once('dialog', resolve));
  await Promise.all([act(), opened.then((dialog) => dialog[answer]())]);
  const dialog = await opened;
  return { type: dialog.type(), message: dialog.message() };
}

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  mkdirSync(OUT_DIR, { recursive: true });

  t.test('"Open the sandbox", the Capture tab, and unsaved settings that ask before they are dropped', async (t) => {
    const server = await startTestServer(t, { startScheduler: false });
    const { page, errors } = await signedInPage(t, server);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => void dialogs.push(dialog.message()));

    // "Try the sandbox" once; back on the list it has become "Open the sandbox", which goes there.
    await page.getByRole('button', { name: 'Try the sandbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sandbox' }).waitFor();
    const base = path(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click();
    const open = page.getByRole('link', { name: 'Open the sandbox' });
    await open.waitFor();
    t.equal(await page.getByRole('button', { name: 'Try the sandbox' }).count(), 0, 'no second "Try the sandbox"');
    await page.screenshot({ path: `${OUT_DIR}papercuts-open-the-sandbox.png` });
    await open.click();
    await page.getByRole('heading', { level: 1, name: 'Sandbox' }).waitFor();
    t.equal(path(page), base, 'the same sandbox');

    // The tab is named for what it holds; the old address leads to it.
    const tabs = page.getByRole('tablist', { name: 'Connection sections' });
    t.notOk(await tabs.getByRole('tab', { name: 'Conversations' }).count(), 'no "Conversations" tab');
    await tabs.getByRole('tab', { name: 'Capture' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Capture' });
    await panel.getByLabel('Grace window').waitFor();
    t.equal(path(page), `${base}/capture`);
    await page.goto(`${server.url}${base}/conversations`);
    await page.getByRole('tabpanel', { name: 'Capture' }).getByLabel('Grace window').waitFor();
    t.equal(path(page), `${base}/capture`, 'the old address redirects');

    // Untouched: leaving asks nothing.
    await tabs.getByRole('tab', { name: 'Matching' }).click();
    await page.getByRole('tabpanel', { name: 'Matching' }).waitFor();
    await tabs.getByRole('tab', { name: 'Capture' }).click();
    const grace = page.getByRole('tabpanel', { name: 'Capture' }).getByLabel('Grace window');
    await grace.waitFor();
    t.same(dialogs, [], 'no question while nothing has changed');
    const saved = await grace.inputValue();

    // Changed and not saved: another tab asks; "stay" keeps the page and the change.
    await grace.fill('7');
    const stay = await answerDialog(page, 'dismiss', () => tabs.getByRole('tab', { name: 'Matching' }).click());
    t.equal(stay.type, 'confirm');
    t.match(stay.message, /changes to the capture settings are not saved/);
    t.equal(path(page), `${base}/capture`, 'still on the tab');
    t.equal(await grace.inputValue(), '7', 'the change is still there');
    await page.screenshot({ path: `${OUT_DIR}papercuts-unsaved-kept.png`, fullPage: true });

    // Back asks too; a link out of the page as well.
    await answerDialog(page, 'dismiss', () => page.goBack());
    await page.waitForFunction(`window.location.pathname === ${JSON.stringify(`${base}/capture`)}`);
    t.equal(path(page), `${base}/capture`, 'Back refused: the address is put back');
    t.equal(await grace.inputValue(), '7');
    await answerDialog(page, 'dismiss', () => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click());
    t.equal(path(page), `${base}/capture`, 'a link out of the page asks as well');

    // Closing or reloading the browser tab gets the browser's own question.
    const unload = await answerDialog(page, 'dismiss', () => page.evaluate('window.location.reload()'));
    t.equal(unload.type, 'beforeunload', 'the browser asks before the page is reloaded or closed');
    t.equal(await grace.inputValue(), '7', 'staying keeps the page and the change');

    // "Leave": the change is dropped, nothing was saved.
    await answerDialog(page, 'accept', () => tabs.getByRole('tab', { name: 'Matching' }).click());
    await page.getByRole('tabpanel', { name: 'Matching' }).waitFor();
    t.equal(path(page), `${base}/matching`);
    await tabs.getByRole('tab', { name: 'Capture' }).click();
    t.equal(await page.getByRole('tabpanel', { name: 'Capture' }).getByLabel('Grace window').inputValue(), saved, 'the dropped change was not saved');

    // Saved: leaving asks nothing.
    const count = dialogs.length;
    await page.getByRole('tabpanel', { name: 'Capture' }).getByLabel('Grace window').fill('2');
    await page.getByRole('button', { name: 'Save conversation settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await tabs.getByRole('tab', { name: 'Matching' }).click();
    await page.getByRole('tabpanel', { name: 'Matching' }).waitFor();
    t.equal(dialogs.length, count, 'no question after saving');
    t.same(errors, [], 'no script or console errors');
  });
}
