// The Users tab in real headless Chromium: a sandbox connection's teammates (seeded in the Intercom
// simulator) are matched to HubSpot owners (seeded in the HubSpot simulator), an override and a
// default owner are saved, and "Refresh now" picks up a new teammate. Screenshot: /tmp/users-tab.png.
import { mkdirSync } from 'node:fs';
import t from 'tap';
import { chromiumMissing, openSandbox, OUT_DIR, signedInPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  mkdirSync(OUT_DIR, { recursive: true });

  t.test('see the mapping, set an override and a default owner, refresh', async (t) => {
    const server = await startTestServer(t);
    const { page, errors } = await signedInPage(t, server, { height: 900, timeoutMs: 15_000 });

    await openSandbox(page);

    const sandbox = server.daemon.app.sandbox;
    if (!sandbox) throw new Error('the sandbox is off');
    const workspaceId = sandbox.intercom.defaults?.workspaceId ?? '';
    sandbox.intercom.control.admins.create(workspaceId, { name: 'Ada Lovelace', email: 'ada@example.com' });
    sandbox.intercom.control.admins.create(workspaceId, { name: 'Grace Hopper', email: 'Grace@Example.com' });
    sandbox.intercom.control.admins.create(workspaceId, { name: 'Linus Pauling', email: 'linus@example.com' });
    sandbox.hubspot.control.addOwner({ email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' });
    sandbox.hubspot.control.addOwner({ email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', archived: true });
    sandbox.hubspot.control.addOwner({ email: 'boss@example.com', firstName: 'Barbara', lastName: 'Boss' });

    // The first visit loads the teammates and owners by itself.
    await page.getByRole('tab', { name: 'Users' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Users' });
    const table = panel.getByRole('table', { name: 'Intercom teammates and their HubSpot owners' });
    const row = (name: string) => table.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
    await row('Ada Lovelace').waitFor();
    t.match(await row('Ada Lovelace').innerText(), /Ada Lovelace[\s\S]*ada@example\.com[\s\S]*Same email/);
    t.match(await row('Grace Hopper').innerText(), /Archived in HubSpot\.[\s\S]*New notes get no owner/, 'an archived owner is said plainly');
    t.match(await row('Linus Pauling').innerText(), /None: notes get no owner[\s\S]*No owner/);
    await panel.getByText(/^Last refreshed/).waitFor();

    // A default owner and an override, saved together.
    await panel.getByLabel('Default owner', { exact: true }).selectOption('boss@example.com');
    t.ok(await panel.locator('#default-owner option', { hasText: 'Grace Hopper (grace@example.com) — archived' }).isDisabled(), 'archived owners cannot be chosen');
    await panel.getByRole('button', { name: 'Add override' }).click();
    await panel.getByLabel('Teammate of override 1').selectOption('linus@example.com');
    await panel.getByLabel('HubSpot owner of override 1').selectOption('ada@example.com');
    await panel.getByRole('button', { name: 'Save mapping settings' }).click();
    await panel.getByText(/^Saved\./).waitFor();
    t.match(await row('Linus Pauling').innerText(), /Ada Lovelace[\s\S]*Override/, 'the override shows at once');
    t.match(await row('Grace Hopper').innerText(), /New notes go to the default owner, Barbara Boss, instead\./);

    // A teammate joins in Intercom; Refresh now brings them in, with the default owner.
    sandbox.intercom.control.admins.create(workspaceId, { name: 'Hedy Lamarr', email: 'hedy@example.com' });
    await panel.getByRole('button', { name: 'Refresh now' }).click();
    await row('Hedy Lamarr').waitFor();
    t.match(await row('Hedy Lamarr').innerText(), /Barbara Boss[\s\S]*Default owner/);
    await panel.getByRole('button', { name: 'Refresh now' }).waitFor();
    t.equal(await panel.getByLabel('Teammate of override 1').inputValue(), 'linus@example.com', 'the saved override is still in the form');

    await page.screenshot({ path: '/tmp/users-tab.png', fullPage: true });
    await page.screenshot({ path: `${OUT_DIR}users-tab.png`, fullPage: true });
    t.same(errors, [], 'no script or console errors');
  });
}
