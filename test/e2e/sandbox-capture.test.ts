// The newcomer's path (issue #7 item 11) in real headless Chromium against the real daemon, scheduler
// and simulators: "Try the sandbox", simulate a customer conversation, and watch its note arrive in
// the sandbox HubSpot after the 30-second grace window, on the customer's contact and company.
import { mkdirSync } from 'node:fs';
import t from 'tap';
import { chromiumMissing, openSandbox, OUT_DIR, signedInPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  mkdirSync(OUT_DIR, { recursive: true });

  t.test('from the connections list to a captured note in the sandbox HubSpot', { timeout: 120_000 }, async (t) => {
    const server = await startTestServer(t);
    const { page, errors } = await signedInPage(t, server, { height: 1000 });

    await openSandbox(page);

    const overview = page.getByRole('tabpanel', { name: 'Overview' });
    const panel = overview.getByRole('region', { name: /a conversation becomes a HubSpot note/ });
    t.match(await panel.innerText(), /waits 30 seconds \(the grace window\)/, 'the grace window is said');
    await panel.getByText('No notes yet.').waitFor();

    await panel.getByRole('button', { name: 'Simulate a customer conversation' }).click();
    const status = panel.getByRole('status');
    await status.getByText(/capture due at/).waitFor();
    const said = await status.innerText();
    t.match(said, /^Conversation \d+ with \S+ \S+ \(.+\) closed at .+ — capture due at .+ \(in \d+ s\)$/, 'the close and when the capture is due');
    const customer = /with (\S+ \S+) \((.+)\) closed/.exec(said);
    const [name, company] = [customer?.[1] ?? '', customer?.[2] ?? ''];
    const started = Date.now();
    await page.screenshot({ path: `${OUT_DIR}sandbox-capture-waiting.png` });

    const note = panel.getByRole('listitem').filter({ has: page.locator('iframe') }).first();
    await note.waitFor({ timeout: 60_000 });
    const waited = (Date.now() - started) / 1000;
    t.ok(waited >= 20 && waited <= 45, `the note arrived after the grace window (${waited.toFixed(1)} s)`);
    t.match(await note.innerText(), new RegExp(`on contact ${name} · company ${company.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), 'on the customer’s contact and company');
    t.match(await status.innerText(), /Captured: its note is below/);
    const frame = note.locator('iframe');
    t.equal(await frame.getAttribute('sandbox'), '', 'the note is shown in a sandboxed frame');
    t.match(await frame.contentFrame().locator('body').innerText(), /Sam from Support/, 'the transcript is in the note');
    t.match(await note.innerText(), /· owner Sam from Support/, 'the note has the teammate’s HubSpot owner: the user mapping paired them by email');
    t.match(await frame.contentFrame().locator('body').innerText(), /Captured by Interhubz when the conversation closed · ref ihz-\S+\s*$/, 'the footer speaks to a sales rep');
    t.ok(await panel.getByRole('cell', { name, exact: true }).isVisible(), 'the contact is listed');
    t.ok(await panel.getByRole('cell', { name: company, exact: true }).isVisible(), 'the company is listed');

    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: '/tmp/sandbox-capture.png', fullPage: true });
    await page.screenshot({ path: `${OUT_DIR}sandbox-capture.png`, fullPage: true });
    t.same(errors, [], 'no script or console errors');
  });
}
