// Issue #16 item 9: GET /api/connections/:id/budget — the portal's and workspace's budgets in use,
// calls by kind in the last hour, the budget shared with another connection on the same portal, and
// "work waits on the budget" once HubSpot answers 429 with a long Retry-After (a simulator fault).
import t from 'tap';
import { OWNERS_REFRESH_TASK } from '../../src/owners/refresh-task.ts';
import { startHubSpotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { startIntercomSimulator } from '../../src/sandbox/intercom/index.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

t.test('budget meter: shapes, shared portal, waiting after a 429', async (t) => {
  const intercom = await startIntercomSimulator();
  t.teardown(() => intercom.close());
  const hubspot = await startHubSpotSimulator({ port: 0 });
  t.teardown(() => hubspot.close());
  // A burst budget from the configuration, which the vendor's headers then correct.
  const server = await buildTestApp(t, { config: { upstream: { hubspot: { burstPer10s: 40 } } } });
  const api = sessionApi(server, await signIn(server));
  const db = server.daemon.db.kysely;
  const hubId = hubspot.sim.control.defaultHubId();

  const connect = async (name: string, sides: { intercom?: boolean; hubspot?: boolean }) => {
    const id = String((await api('POST', '/api/connections', { name })).body?.id);
    await db.updateTable('connections').set({ intercom_base_url: intercom.url, hubspot_base_url: hubspot.url }).where('id', '=', id).execute();
    if (sides.intercom) t.equal((await api('POST', `/api/connections/${id}/intercom/token`, { accessToken: intercom.sim.control.createAccessToken(), region: 'us' })).status, 200);
    if (sides.hubspot) t.equal((await api('POST', `/api/connections/${id}/hubspot/token`, { accessToken: hubspot.sim.control.createStaticToken({ hubId }) })).status, 200);
    return id;
  };
  const support = await connect('Support', { intercom: true, hubspot: true });
  const sales = await connect('Sales', { hubspot: true });
  const lonely = String((await api('POST', '/api/connections', { name: 'Not connected' })).body?.id);

  // The connection's work spends the budgets: a user-mapping refresh lists Intercom's admins and HubSpot's owners.
  const ownerJob = () => db.selectFrom('jobs').select(['status', 'last_error']).where('connection_id', '=', support).where('task', '=', OWNERS_REFRESH_TASK).orderBy('id', 'desc').executeTakeFirst();
  const until = async (done: (job: Awaited<ReturnType<typeof ownerJob>>) => boolean) => {
    for (let i = 0; i < 200 && !done(await ownerJob()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  };
  t.equal((await api('POST', `/api/connections/${support}/users/refresh`)).status, 202);
  await until((job) => job?.status === 'succeeded');

  const quiet = await api('GET', `/api/connections/${support}/budget`);
  t.equal(quiet.status, 200);
  t.match(quiet.body, {
    hubspot: {
      vendor: 'hubspot',
      account: String(hubId),
      windows: [
        // Configured 40, corrected by HubSpot's own X-HubSpot-RateLimit-Max (the simulator says 110).
        { name: 'burst', label: 'Calls per 10 seconds', limit: 110, windowSeconds: 10, waiting: 0, pausedUntil: null, freesAt: /Z$/ },
        { name: 'search', label: 'CRM searches per second', limit: 5, windowSeconds: 1 },
      ],
      daily: { limit: 250_000, resetsAt: /^\d{4}-\d\d-\d\dT00:00:00\.000Z$/, pacingMs: 0 },
      dailyNote: null,
      refusedSinceStart: 0,
      sharedWith: [{ id: sales, name: 'Sales' }],
      waiting: false,
      waitReason: null,
    },
    intercom: { vendor: 'intercom', account: /\S/, windows: [{ name: 'app' }, { name: 'workspace' }], daily: null, dailyNote: /no daily limit/, sharedWith: [], waiting: false },
    jobsWaiting: { count: 0, nextRunAt: null },
    waiting: false,
  });
  const hubspotCalls = quiet.body?.hubspot.callsLastHour as Array<{ kind: string; calls: number }>;
  t.ok(hubspotCalls.some((c) => /^crm\.owners\./.test(c.kind)) && hubspotCalls.every((c) => c.calls > 0 && !/\d{3,}/.test(c.kind)), `calls by kind, no ids in the kinds: ${JSON.stringify(hubspotCalls)}`);
  t.ok(quiet.body?.intercom.callsLastHour.some((c: { kind: string }) => c.kind === 'admins.list'), 'Intercom calls by kind too');
  t.ok(quiet.body?.hubspot.windows[0].used > 0 && quiet.body?.hubspot.daily.used > 0, 'the refresh spent the portal’s budgets');
  t.match((await api('GET', `/api/connections/${sales}/budget`)).body, { hubspot: { sharedWith: [{ id: support, name: 'Support' }] }, intercom: null }, 'the other side says so too');
  t.match((await api('GET', `/api/connections/${lonely}/budget`)).body, { hubspot: null, intercom: null, waiting: false });
  t.equal((await api('GET', '/api/connections/nope/budget')).status, 404);
  t.equal((await server.fetch(`/api/connections/${support}/budget`)).status, 401);

  // HubSpot refuses with 429 and a Retry-After longer than a call may sleep: the owner refresh job
  // goes back to the queue until then, and the portal's burst budget is paused.
  hubspot.sim.control.addFault({ kind: '429', count: 5, method: 'GET', retryAfterSeconds: 120 });
  t.equal((await api('POST', `/api/connections/${support}/users/refresh`)).status, 202);
  await until((job) => job?.status === 'queued' && /429/.test(job.last_error ?? ''));
  const waiting = await api('GET', `/api/connections/${support}/budget`);
  t.match(waiting.body, {
    hubspot: { waiting: true, waitReason: /^HubSpot answered 429 \(too many requests\): the next call waits \d+ s$/, windows: [{ pausedUntil: /Z$/ }], refusedSinceStart: 1 },
    intercom: { waiting: false },
    jobsWaiting: { count: 1, nextRunAt: /Z$/ },
    waiting: true,
  });
  t.match((await api('GET', `/api/connections/${sales}/budget`)).body, { hubspot: { waiting: true }, jobsWaiting: { count: 0 }, waiting: true }, 'the shared portal waits for Sales too');
});
