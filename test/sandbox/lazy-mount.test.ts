// Issue #19 item 3: with the built-in sandbox on, the daemon loads its simulators only when first
// used (src/sandbox-mount/mount-sandbox.ts). The first request under /sandbox must be answered by
// the simulator as before, and be guarded exactly as before: these daemons are started directly
// (the test helpers load the simulators at once, for the tests that read them).
import t from 'tap';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { signIn, testDaemonSetup, type Teardownable } from '../helpers/server.ts';

async function idleDaemon(t: Teardownable): Promise<{ daemon: Daemon; username: string; password: string }> {
  const { config, log, password } = testDaemonSetup(t, {});
  const daemon = await startDaemon({ config, log, startScheduler: false });
  t.teardown(() => daemon.close());
  return { daemon, username: config.admin.username, password };
}

t.test('an idle daemon has not loaded its simulators; the first request under /sandbox loads them and they answer it', async (t) => {
  const { daemon, username, password } = await idleDaemon(t);
  const sandbox = daemon.sandbox;
  if (!sandbox) throw new Error('the sandbox is on with no connections');
  t.equal(sandbox.loaded, false, 'not loaded by the start');
  t.throws(() => sandbox.hubspot, /before sandbox\.load\(\)/, 'reading a simulator before it is loaded is a plain error, not a silent load');

  const { cookie } = await signIn({ url: daemon.url, username, password });
  t.equal(sandbox.loaded, false, 'signing in loads nothing');
  const first = await fetch(`${daemon.url}/sandbox/intercom/_sim/requests`, { headers: { cookie } });
  t.equal(first.status, 200, 'the first request, from the signed-in admin, is answered');
  t.ok(Array.isArray(await first.json()), 'with the simulator’s request log');
  t.equal(first.headers.get('x-content-type-options'), 'nosniff', 'with the daemon’s own security headers');
  t.equal(sandbox.loaded, true, 'the simulators are loaded now');

  const token = sandbox.hubspot.control.createStaticToken();
  const contacts = await fetch(`${daemon.url}/sandbox/hubspot/crm/objects/2026-09/contacts`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(contacts.status, 200, 'the other simulator is served too');
  t.same(await contacts.json(), { results: [] });
});

t.test('the first request under /sandbox is refused as before without a login, whatever the spelling of its path', async (t) => {
  const refusals: Array<[string, RequestInit, number]> = [
    ['/sandbox/hubspot/_sim/requests', {}, 401],
    ['/sandbox/intercom/%5fsim/requests', {}, 401],
    ['/sandbox/intercom/_sim/requests', { method: 'DELETE' }, 401],
    ['/sandbox/intercom/oauth?client_id=x', {}, 401],
    ['/sandbox/hubspot/oauth/2026-09/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=x&client_secret=wrong' }, 401],
    ['/sandbox/hubspot/crm/objects/2026-09/contacts', {}, 401],
  ];
  for (const [path, init, status] of refusals) {
    // A daemon of its own for each, so that each request is the first one.
    const { daemon } = await idleDaemon(t);
    const response = await fetch(`${daemon.url}${path}`, init);
    t.equal(response.status, status, `${init.method ?? 'GET'} ${path} → ${status}`);
    t.equal(daemon.sandbox?.loaded, true, 'answered by the simulator’s own instance, with its guards');
  }
});

t.test('closing an idle daemon does not load the simulators', async (t) => {
  const { config, log } = testDaemonSetup(t, {});
  const daemon = await startDaemon({ config, log, startScheduler: false });
  await daemon.close();
  t.equal(daemon.sandbox?.loaded, false);
});
