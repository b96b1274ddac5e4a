// The sandbox's Inbox (issue #20 items 5 and 6) in real headless Chromium: on a sandbox connection's
// Overview, open a simulated conversation in the simulated Intercom Inbox. The simulator sends the
// real daemon's /intercom/canvas/initialize the signed request Intercom would, checks the canvas, and
// the page renders it as a teammate sees it; its buttons go through the simulator's submit request.
// A second test points the card at a small fake app, to see every Canvas Kit component rendered and
// an invalid canvas's problems shown plainly instead of the card.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import t from 'tap';
import { chromiumMissing, openSandbox, OUT_DIR, signedInPage } from '../helpers/browser.ts';
import { startTestServer, type Teardownable } from '../helpers/server.ts';

/** A Canvas Kit app on a loopback port answering `reply(path)`. */
async function fakeApp(t: Teardownable, reply: (path: string, body: any) => unknown) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply(req.url ?? '', body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** Every component the renderer knows, as an app might send them. */
const EVERY_COMPONENT = {
  canvas: {
    content: {
      components: [
        { type: 'text', id: 'h', text: 'Jane Doe', style: 'header' },
        { type: 'text', id: 'p', text: 'Paired with a **HubSpot contact**. [Docs](https://example.com/docs)' },
        { type: 'text', id: 'm', text: 'Last captured 5 minutes ago', style: 'muted' },
        { type: 'text', id: 'e', text: 'HubSpot is busy, try again in 30 s', style: 'error' },
        { type: 'data-table', id: 'table', items: [{ type: 'field-value', field: 'Lifecycle stage', value: 'Customer' }, { type: 'field-value', field: 'Owner', value: 'Sam from Support' }] },
        { type: 'image', id: 'logo', url: 'https://cdn.example.com/logo.png', width: 120, height: 40, align: 'center' },
        { type: 'divider', id: 'd' },
        { type: 'list', id: 'deals', items: [{ type: 'item', id: 'deal-1', title: 'Renewal 2027', subtitle: '€12,000', tertiary_text: 'Contract sent', action: { type: 'submit' } }] },
        { type: 'spacer', id: 's', size: 'm' },
        { type: 'input', id: 'query', label: 'Ticket subject or id', placeholder: 'e.g. Invoice question' },
        { type: 'single-select', id: 'priority', label: 'Priority', options: [{ type: 'option', id: 'low', text: 'Low' }, { type: 'option', id: 'high', text: 'High' }], value: 'low' },
        { type: 'dropdown', id: 'pipeline', label: 'Pipeline', options: [{ type: 'option', id: 'support', text: 'Support' }, { type: 'option', id: 'billing', text: 'Billing' }] },
        { type: 'checkbox', id: 'flags', label: 'Options', options: [{ type: 'option', id: 'anyway', text: 'Push anyway' }] },
        { type: 'button', id: 'go', label: 'Create ticket', style: 'primary', action: { type: 'submit' } },
        { type: 'button', id: 'other', label: 'Refresh', style: 'secondary', action: { type: 'submit' } },
        { type: 'button', id: 'open', label: 'Open in HubSpot', style: 'link', action: { type: 'url', url: 'https://app.hubspot.com/' } },
        { type: 'button', id: 'evil', label: 'Not a web link', style: 'link', action: { type: 'url', url: 'javascript:alert(1)' } },
      ],
    },
    stored_data: { step: 'one' },
  },
};

const INVALID = {
  canvas: { content: { components: [{ type: 'carousel', id: 'x' }, { type: 'button', id: 'dup', label: 'A', action: { type: 'submit' } }, { type: 'button', id: 'dup', label: 'B', action: { type: 'submit' } }] } },
};

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  mkdirSync(OUT_DIR, { recursive: true });

  t.test('open a sandbox conversation in the Inbox: the daemon’s card, rendered and clickable', { timeout: 120_000 }, async (t) => {
    const server = await startTestServer(t);
    const { page, errors } = await signedInPage(t, server, { height: 1200, timeoutMs: 15_000 });
    await openSandbox(page);
    const overview = page.getByRole('tabpanel', { name: 'Overview' });

    await overview.getByRole('button', { name: 'Simulate a customer conversation' }).click();
    const said = await overview.getByRole('status').filter({ hasText: /capture due at/ }).innerText();
    const customer = /with (\S+ \S+) \(/.exec(said)?.[1] ?? '';
    t.ok(customer, 'a customer wrote in');

    const panel = overview.getByRole('region', { name: 'HubSpot inside Intercom’s Inbox' });
    const picker = panel.getByRole('combobox', { name: 'Conversation' });
    // The list is read every 5 seconds: the new conversation joins it.
    await picker.locator('option', { hasText: customer }).waitFor({ state: 'attached' });
    t.match(await picker.locator('option:checked').innerText(), new RegExp(`^${customer} — `), 'the newest conversation is picked');

    await panel.getByRole('button', { name: 'Open in Inbox' }).click();
    const card = panel.getByRole('region', { name: 'Interhubz app card' });
    const push = card.getByRole('button', { name: 'Push to HubSpot now' });
    await push.waitFor();
    const verdict = panel.getByRole('status');
    t.match(await verdict.innerText(), /Seen by Sam from Support · Interhubz answered HTTP 200/, 'the daemon accepted the signed initialize request');
    t.match(await verdict.innerText(), /valid Canvas Kit/, 'and the simulator found its canvas valid');
    t.match(await card.innerText(), /Refresh/, 'the card has its actions');
    await panel.screenshot({ path: `${OUT_DIR}sandbox-canvas-opened.png` });

    // The push goes through the simulator's signed submit request to the daemon's capture path.
    await push.click();
    const notes = overview.getByRole('region', { name: /a conversation becomes a HubSpot note/ }).getByRole('listitem').filter({ has: page.locator('iframe') });
    await notes.first().waitFor({ timeout: 20_000 });
    t.pass('the push from the Inbox card wrote the note to the sandbox HubSpot, before the grace window ended');
    await card.and(page.locator('[aria-busy="false"]')).waitFor();
    t.match(await verdict.innerText(), /answered HTTP 200/, 'the submit was answered');
    t.notMatch(await verdict.innerText(), /would show an error/, 'with a valid canvas');
    await panel.screenshot({ path: `${OUT_DIR}sandbox-canvas-pushed.png` });

    // A form: the ticket search takes what the teammate typed, as input_values.
    await card.getByRole('button', { name: 'Link to an existing HubSpot ticket' }).click();
    const query = card.getByLabel('Ticket subject or id');
    await query.fill('no such ticket anywhere');
    await card.getByRole('button', { name: 'Search' }).click();
    await card.getByText(/No ticket found|Pick the ticket to link/).waitFor();
    t.equal(await card.getByLabel('Ticket subject or id').inputValue(), 'no such ticket anywhere', 'the answer to the search keeps what was typed: input_values reached the daemon');
    t.match(await verdict.innerText(), /answered HTTP 200/);

    await panel.screenshot({ path: `${OUT_DIR}sandbox-canvas-search.png` });
    t.same(errors, [], 'no script or console errors');
  });

  t.test('every component rendered, and an invalid canvas reported plainly', { timeout: 60_000 }, async (t) => {
    const server = await startTestServer(t);
    const { page, errors } = await signedInPage(t, server, { height: 1400 });
    await openSandbox(page);
    const overview = page.getByRole('tabpanel', { name: 'Overview' });
    await overview.getByRole('button', { name: 'Simulate a customer conversation' }).click();
    await overview.getByRole('status').filter({ hasText: /capture due at/ }).waitFor();

    // The sandbox connection's card, pointed at a fake app instead of the daemon.
    const submitted: any[] = [];
    const base = await fakeApp(t, (path, body) => {
      if (!path.endsWith('/submit')) return EVERY_COMPONENT;
      submitted.push(body);
      return INVALID;
    });
    const sim = server.daemon.sandbox?.intercom;
    const installed = sim?.control.inboxApps()[0];
    if (!sim || !installed) throw new Error('the sandbox connection has no Inbox card');
    sim.control.inboxApp({ appId: installed.key, workspaceId: installed.workspaceId, initializeUrl: `${base}/initialize`, submitUrl: `${base}/submit` });

    const panel = overview.getByRole('region', { name: 'HubSpot inside Intercom’s Inbox' });
    await panel.getByRole('combobox', { name: 'Conversation' }).locator('option').first().waitFor({ state: 'attached' });
    await panel.getByRole('button', { name: 'Open in Inbox' }).click();
    const card = panel.getByRole('region', { name: 'Interhubz app card' });
    await card.getByRole('heading', { name: 'Jane Doe' }).waitFor();

    t.ok(await card.locator('strong', { hasText: 'HubSpot contact' }).isVisible(), 'Markdown bold in text');
    t.equal(await card.getByRole('link', { name: 'Docs' }).getAttribute('target'), '_blank', 'Markdown links open in a new tab');
    t.match(await card.locator('dl').innerText(), /Lifecycle stage\s+Customer\s+Owner\s+Sam from Support/, 'the data-table');
    t.match(await card.getByRole('button', { name: /Renewal 2027/ }).innerText(), /€12,000 • Contract sent/, 'a list item with subtitle and tertiary text');
    t.equal(await card.getByRole('link', { name: 'Open in HubSpot' }).getAttribute('href'), 'https://app.hubspot.com/', 'a URL action is a link');
    t.ok(await card.getByRole('button', { name: 'Not a web link' }).isDisabled(), 'a non-http(s) URL is not followed');
    t.ok(await card.getByRole('radio', { name: 'Low' }).isChecked(), 'the single-select starts at its value');
    t.equal(await card.locator('hr').count(), 1, 'the divider');
    t.ok(await card.getByRole('img', { name: 'Image from cdn.example.com' }).isVisible(), 'an image is a placeholder naming its host (the page loads no outside images)');
    await panel.screenshot({ path: `${OUT_DIR}sandbox-canvas-components.png` });

    await card.getByLabel('Ticket subject or id').fill('refund');
    await card.getByRole('radio', { name: 'High' }).check();
    await card.getByLabel('Pipeline').selectOption('billing');
    await card.getByRole('checkbox', { name: 'Push anyway' }).check();
    await card.getByRole('button', { name: 'Create ticket' }).click();

    const problems = panel.getByRole('status').locator('li');
    await problems.first().waitFor();
    t.same(submitted.map((body) => [body.component_id, body.input_values, body.current_canvas.stored_data]), [
      ['go', { query: 'refund', priority: 'high', pipeline: 'billing', flags: ['anyway'] }, { step: 'one' }],
    ], 'the submit request carries the component, every entered value and the stored data');
    const listed = await problems.allInnerTexts();
    t.match(listed.join('\n'), /unknown component type "carousel"/, 'the unknown component type is named');
    t.match(listed.join('\n'), /component id "dup" is used 2 times/, 'the duplicate id is named');
    t.match(await panel.getByRole('status').innerText(), /Intercom would show an error instead of this card/);
    t.match(await card.innerText(), /couldn’t be loaded/, 'the card shows the error Intercom shows');
    await panel.screenshot({ path: `${OUT_DIR}sandbox-canvas-problems.png` });
    t.same(errors, [], 'no script or console errors');
  });
}
