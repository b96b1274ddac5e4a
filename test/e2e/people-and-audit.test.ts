// Issue #16 items 6 and 12 in real headless Chromium: an admin invites a second admin from
// Settings → People, the invitee opens the one-time link in a fresh browser context, sets a
// password and is signed in (and can sign in again with it); the audit page lists those actions.
// Screenshots: test/e2e/out/people-settings.png and test/e2e/out/audit-page.png.
import { mkdirSync } from 'node:fs';
import t from 'tap';
import { chromiumMissing, OUT_DIR, path, signedInPage, watchErrors } from '../helpers/browser.ts';
import { sessionApi, signIn, startTestServer } from '../helpers/server.ts';

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  mkdirSync(OUT_DIR, { recursive: true });

  t.test('invite a second admin, who sets a password and signs in; the audit page lists it', async (t) => {
    const server = await startTestServer(t);
    const { page, errors } = await signedInPage(t, server, { height: 1000, timeoutMs: 15_000 });

    await page.goto(`${server.url}/settings`);
    const people = page.getByRole('region', { name: 'People' });
    await people.getByRole('table').getByRole('rowheader', { name: /admin/ }).waitFor();
    await people.getByLabel('Username', { exact: true }).fill('grace');
    await people.getByLabel('Role', { exact: true }).selectOption('admin');
    await people.getByRole('button', { name: 'Create invitation link' }).click();
    const linkField = people.getByLabel('One-time link for grace');
    await linkField.waitFor();
    const link = await linkField.inputValue();
    t.match(link, new RegExp(`^${server.url}/invite#[A-Za-z0-9_-]{40,}$`), 'the link is shown once, with its token in the fragment');
    // The pending list is read again after the link is shown: wait for it rather than race it.
    await people.getByText(/grace as admin, invited by admin/).waitFor();
    t.match(await people.innerText(), /Pending invitations[\s\S]*grace as admin, invited by admin/);
    await page.screenshot({ path: `${OUT_DIR}people-settings.png`, fullPage: true });

    // The invitee: a fresh browser context, nobody signed in.
    const browser = page.context().browser();
    if (!browser) throw new Error('no browser');
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    t.teardown(() => context.close());
    const invitee = await context.newPage();
    invitee.setDefaultTimeout(15_000);
    const inviteeErrors = watchErrors(invitee);
    await invitee.goto(link);
    await invitee.getByRole('heading', { level: 1, name: 'Choose your password' }).waitFor();
    await invitee.getByLabel('New password').fill('short');
    await invitee.getByLabel('The same password again').fill('short');
    await invitee.getByRole('button', { name: 'Set password and sign in' }).click();
    await invitee.getByText('Choose a password of at least 12 characters.').waitFor();
    await invitee.getByLabel('New password').fill('graces own password');
    await invitee.getByLabel('The same password again').fill('graces own password');
    await invitee.getByRole('button', { name: 'Set password and sign in' }).click();
    await invitee.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
    t.equal(path(invitee), '/connections');
    t.equal(new URL(invitee.url()).hash, '', 'the token has left the address bar');

    // Signed out, the same password signs in again; the link does not work a second time.
    await invitee.getByRole('button', { name: /Sign out/ }).click();
    await invitee.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await invitee.getByLabel('Username').fill('grace');
    await invitee.getByLabel('Password').fill('graces own password');
    await invitee.getByRole('button', { name: 'Sign in' }).click();
    await invitee.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
    await invitee.goto(`${server.url}/settings`);
    await invitee.getByRole('region', { name: 'Your password' }).getByText(/Signed in as grace \(admin\)/).waitFor();
    t.equal((await server.fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitation: link.split('#')[1], password: 'another password 12' }) })).status, 410, 'the link was single-use');

    // The admin's audit page lists the invitation and its acceptance, newest first.
    await page.goto(`${server.url}/settings/audit`);
    await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();
    const rows = page.getByRole('table').getByRole('row');
    await rows.filter({ hasText: 'user.accept' }).waitFor();
    const text = await page.getByRole('table').innerText();
    t.match(text, /grace[\s\S]*Person[\s\S]*user\.accept[\s\S]*user grace/, 'grace accepted, as herself');
    t.match(text, /admin[\s\S]*Person[\s\S]*user\.invite[\s\S]*invitation grace/, 'admin invited grace');
    t.ok(text.indexOf('user.accept') < text.indexOf('user.invite'), 'newest first');
    t.match(text, /Configuration file[\s\S]*user\.create/, 'the start applied admin.username, actor config');
    await page.getByLabel('Who').selectOption('grace');
    await rows.filter({ hasText: 'user.invite' }).waitFor({ state: 'detached' });
    t.notMatch(await page.getByRole('table').innerText(), /user\.invite/, 'filtered by who');
    t.equal(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href'), '/api/audit/export?format=csv&actor=grace');
    await page.getByLabel('Who').selectOption('');
    await rows.filter({ hasText: 'user.invite' }).waitFor();
    await page.screenshot({ path: `${OUT_DIR}audit-page.png`, fullPage: true });

    t.same(errors, [], 'no script errors for the admin');
    t.same(inviteeErrors, [], 'no script errors for the invitee');
  });

  t.test('a viewer is told so on every page, sees People without its controls, and a change is refused in plain words', async (t) => {
    const server = await startTestServer(t);
    const api = sessionApi(server, await signIn(server));
    await api('POST', '/api/connections', { name: 'Support' });
    const invite = await api('POST', '/api/people/invitations', { username: 'vic', role: 'viewer' });
    const accepted = await server.fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitation: String(invite.body?.link.path).split('#')[1], password: 'vics own password' }) });
    t.equal(accepted.status, 200);

    const { page } = await signedInPage(t, { ...server, username: 'vic', password: 'vics own password' }, { timeoutMs: 15_000 });
    await page.getByRole('note').filter({ hasText: 'You are signed in as a viewer' }).waitFor();
    await page.goto(`${server.url}/settings`);
    const people = page.getByRole('region', { name: 'People' });
    await people.getByRole('rowheader', { name: /vic/ }).waitFor();
    t.equal(await people.getByRole('button', { name: 'Create invitation link' }).count(), 0, 'no invite form for a viewer');
    t.equal(await people.getByRole('columnheader', { name: 'Actions' }).count(), 0);
    await page.getByRole('region', { name: 'Your password' }).getByText(/Signed in as vic \(viewer\)/).waitFor();
    await page.getByLabel('Token name').fill('mine');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText(/You are signed in as vic, a viewer: viewers can see everything but change nothing/).waitFor();
    await page.screenshot({ path: `${OUT_DIR}people-viewer.png`, fullPage: true });
  });
}
