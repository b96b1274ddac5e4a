// Why work waits, as the rate-budget meter says it (src/connections/connection-budget.ts), from the
// budgets' own state: a call waiting for a slot, Intercom's window used up (Remaining 0), HubSpot's
// daily quota used up. A stopped clock: nothing here depends on time passing.
import t from 'tap';
import { connectionBudget } from '../../src/connections/connection-budget.ts';
import { getConnection } from '../../src/db/repos/connections.ts';
import { createHubSpotRateRegistry } from '../../src/integrations/hubspot/rate-plan.ts';
import { createIntercomRateRegistry } from '../../src/integrations/intercom/rate-plan.ts';
import type { BudgetClock } from '../../src/integrations/rate-budget.ts';
import { buildTestApp } from '../helpers/test-app.ts';

const NOW = Date.UTC(2026, 11, 4, 10, 0, 0);
/** Time stands still; a sleep lasts until its caller gives up. */
const stopped: BudgetClock = {
  now: () => NOW,
  sleep: (_ms, signal) => new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true })),
};

t.test('the wait reasons: a slot, Intercom’s window, HubSpot’s daily quota', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  const db = server.daemon.db.kysely;
  await db.insertInto('connections').values({ id: 'c1', name: 'Support', status: 'active', managed_by_config: 0, created_at: NOW, updated_at: NOW, intercom_workspace_id: 'ws1', intercom_region: 'us', hubspot_portal_id: 77, settings: '{}' }).execute();
  const connection = await getConnection(db, 'c1');
  if (!connection) throw new Error('no connection');
  const hubspotRates = createHubSpotRateRegistry({ defaults: { burstPer10s: 1, daily: 2 }, clock: stopped });
  const intercomRates = createIntercomRateRegistry({ clock: stopped });
  const read = () => connectionBudget({ db, upstream: { hubspotRates, intercomRates } }, connection, NOW);

  t.match(await read(), { hubspot: { waiting: false, daily: { used: 0, limit: 2 } }, intercom: { waiting: false }, waiting: false });

  const portal = hubspotRates.portal('77', 'static');
  await portal.plan({ method: 'GET', path: '/crm/objects/2026-09/contacts/1' });
  const gaveUp = new AbortController();
  const second = portal.plan({ method: 'GET', path: '/crm/objects/2026-09/contacts/2' }, gaveUp.signal).catch(() => 'aborted');
  t.match(await read(), { hubspot: { waiting: true, waitReason: '1 call waiting for a free slot (calls per 10 seconds: 1 of 1 used)', windows: [{ waiting: 1, freesAt: /Z$/ }] }, waiting: true });
  gaveUp.abort(new Error('test over'));
  t.equal(await second, 'aborted');

  // The search budget has room; the second call there uses up the daily quota of 2.
  await portal.plan({ method: 'POST', path: '/crm/objects/2026-09/contacts/search', budget: 'search' });
  t.match(await read(), { hubspot: { waiting: true, waitReason: "Today's quota is used up: calls wait until it resets", daily: { used: 2, limit: 2 } } });

  intercomRates.planFor({ workspaceId: 'ws1', appId: 'interhubz' }).learn({ method: 'GET', path: '/admins' }, 200, { 'x-ratelimit-limit': '166', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 8) });
  t.match(await read(), { intercom: { waiting: true, waitReason: "Intercom's limit for this 10-second window is used up: the next call waits 8 s", windows: [{ name: 'app', pausedUntil: new Date(NOW + 8000).toISOString() }, { name: 'workspace', pausedUntil: null }] } });
});
