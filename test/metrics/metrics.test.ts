// Issue #16 item 8: GET /metrics (token scope metrics or admin), the metrics.port listener, and what
// the metrics count — webhook deliveries, jobs, upstream calls by route family — with no conversation
// id or email in any label.
import { createServer } from 'node:net';
import type { Db } from '../../src/db/database.ts';
import t from 'tap';
import { createHttpPools } from '../../src/integrations/http-pools.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';
import { intercomSignature } from '../../src/webhooks/intercom-signature.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { until } from '../helpers/until.ts';
import { sessionApi, signIn, startTestServer, type Teardownable } from '../helpers/server.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';
import { harness } from '../integrations/intercom/setup.ts';

const INTERCOM_SECRET = 'intercom-app-secret-metrics';
const CONVERSATION_ID = '58110000123';
const EMAIL = 'jane.doe@example.com';

async function tokenFor(server: TestApp, scope: string): Promise<string> {
  const api = sessionApi(server, await signIn(server));
  const created = await api('POST', '/api/tokens', { name: `${scope} token`, scope });
  if (created.status !== 201) throw new Error(`token not created: ${JSON.stringify(created.body)}`);
  return String(created.body?.secret);
}

const scrape = async (server: TestApp, token?: string) => {
  const response = await server.fetch('/metrics', token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
};

/** The value of one sample, by its name and labels as printed (`name{a="b",c="d"}`). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Every label value of the exposition. */
const labelValues = (text: string) => [...text.matchAll(/[a-z_]+="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? '');

async function withConnection(t: Teardownable) {
  const server = await buildTestApp(t, { startScheduler: false, config: { apps: { intercom: { clientSecret: INTERCOM_SECRET } } } });
  await server.daemon.db.kysely
    .insertInto('connections')
    .values({ id: 'c1', name: 'c1', status: 'active', managed_by_config: 0, created_at: 1, updated_at: 1, intercom_workspace_id: 'ws1', hubspot_portal_id: 42 })
    .execute();
  return server;
}

function postIntercom(server: TestApp, id: string) {
  const raw = Buffer.from(JSON.stringify({
    type: 'notification_event', id, topic: 'conversation.admin.closed', app_id: 'ws1', created_at: Math.floor(Date.now() / 1000),
    data: { type: 'notification_event_data', item: { type: 'conversation', id: CONVERSATION_ID, source: { author: { email: EMAIL } } } },
  }));
  return server.fetch('/webhooks/intercom', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature': intercomSignature(raw, INTERCOM_SECRET) }, body: raw });
}

t.test('GET /metrics: anonymous 401, session and read token 403, metrics and admin tokens 200', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  t.equal((await scrape(server)).status, 401, 'anonymous');
  const session = await signIn(server);
  const withSession = await server.fetch('/metrics', { headers: { cookie: session.cookie } });
  t.equal(withSession.status, 403, 'a session is not enough');
  t.equal((await scrape(server, await tokenFor(server, 'read'))).status, 403, 'read token');
  t.equal((await scrape(server, await tokenFor(server, 'push'))).status, 403, 'push token');
  const admin = await scrape(server, await tokenFor(server, 'admin'));
  t.equal(admin.status, 200, 'admin token');
  const metricsToken = await tokenFor(server, 'metrics');
  const metrics = await scrape(server, metricsToken);
  t.equal(metrics.status, 200, 'metrics token');
  t.match(metrics.type, /^text\/plain; version=0\.0\.4/);
  t.match(metrics.text, /^interhubz_process_cpu_user_seconds_total \d/m, 'default process metrics, prefixed');
  t.match(metrics.text, /^interhubz_nodejs_eventloop_lag_seconds \d/m);
  t.notMatch(metrics.text, /^process_cpu_user_seconds_total/m, 'nothing unprefixed');
  const names = [...metrics.text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1] ?? '');
  t.same(names.filter((name) => !name.startsWith('interhubz_')), []);
  // A metrics token reads nothing else.
  const other = await server.fetch('/api/connections', { headers: { authorization: `Bearer ${metricsToken}` } });
  t.equal(other.status, 403);
});

t.test('a signed webhook delivery moves the delivery counter; the job it queues shows in the job metrics once run', async (t) => {
  const server = await withConnection(t);
  const token = await tokenFor(server, 'metrics');
  const before = await scrape(server, token);
  t.equal(sample(before.text, 'interhubz_webhook_deliveries_total{provider="intercom",result="accepted"}') ?? 0, 0);

  t.equal((await postIntercom(server, 'notif_metrics_1')).status, 200);
  t.equal((await postIntercom(server, 'notif_metrics_1')).status, 200, 'the same delivery again');
  const forged = await server.fetch('/webhooks/intercom', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature': 'sha1=0000' }, body: '{}' });
  t.equal(forged.status, 401);

  const afterDelivery = await scrape(server, token);
  t.equal(sample(afterDelivery.text, 'interhubz_webhook_deliveries_total{provider="intercom",result="accepted"}'), 1);
  t.equal(sample(afterDelivery.text, 'interhubz_webhook_deliveries_total{provider="intercom",result="duplicate"}'), 1);
  t.equal(sample(afterDelivery.text, 'interhubz_webhook_deliveries_total{provider="intercom",result="bad_signature"}'), 1);
  t.ok((sample(afterDelivery.text, 'interhubz_webhook_last_received_timestamp_seconds{provider="intercom"}') ?? 0) > 0);
  t.equal(sample(afterDelivery.text, 'interhubz_jobs{task="intercom.event",state="queued"}'), 1, 'the queued event job, read from the job table');

  await server.daemon.scheduler.drain();
  const afterRun = await scrape(server, token);
  t.equal(sample(afterRun.text, 'interhubz_jobs{task="intercom.event",state="succeeded"}'), 1);
  t.equal(sample(afterRun.text, 'interhubz_job_run_seconds_count{task="intercom.event"}'), 1, 'run time observed');
  t.equal(sample(afterRun.text, 'interhubz_job_lateness_seconds_count{task="intercom.event"}'), 1, 'lateness observed');

  const values = labelValues(afterRun.text);
  t.ok(values.includes('intercom.event'), 'the scan sees the label values');
  t.same(values.filter((value) => value.includes(CONVERSATION_ID) || value.includes('@') || value.includes(EMAIL)), [], 'no label value holds a conversation id or an email');
});

t.test("a burst's deliveries still waiting for their dedupe index entries are a gauge (SQLite)", async (t) => {
  const server = await withConnection(t);
  const token = await tokenFor(server, 'metrics');
  t.equal(sample((await scrape(server, token)).text, 'interhubz_webhook_dedupe_waiting'), 0, 'none at rest');
  const store = server.daemon.db as Db;
  // PostgreSQL writes every delivery into its unique index at once: nothing ever waits there.
  if (store.dialect !== 'sqlite') return;
  // A refused write keeps them waiting: what the gauge is there to show.
  store.sqlite.exec("CREATE TRIGGER refuse BEFORE UPDATE OF deduped ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
  const burst = ['b1', 'b2', 'b3', 'b4'].map((id) =>
    server.daemon.context.recorder.record([{ provider: 'intercom', deliveryId: id, accountId: 'ws1', topic: 'conversation.admin.closed', objectId: CONVERSATION_ID, occurredAt: Date.now(), route: { account: 'ws1', onlyConnection: null } }]),
  );
  t.same((await Promise.all(burst)).map((result) => result.accepted), [1, 1, 1, 1]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(sample((await scrape(server, token)).text, 'interhubz_webhook_dedupe_waiting'), 4, 'four wait while moving them in fails');
  store.sqlite.exec('DROP TRIGGER refuse');
  await until('they are moved in', async () => sample((await scrape(server, token)).text, 'interhubz_webhook_dedupe_waiting') === 0, { timeoutMs: 5_000 });
});

t.test('an upstream call is counted by vendor, route family and status, with no id in its labels', async (t) => {
  const metrics = createMetrics({ clock: Date.now });
  const h = await harness(t, captureLogs());
  const pools = createHttpPools({ connectTimeoutMs: 2000, keepAliveTimeoutMs: 1000, connectionsPerOrigin: 2, observe: metrics.observe.upstreamCall });
  t.teardown(() => pools.close());
  const client = h.makeClient({ pools });
  await client.me();
  await t.rejects(client.getConversation(CONVERSATION_ID));
  const { contentType, body } = await metrics.render();
  t.match(contentType, /^text\/plain; version=0\.0\.4/);
  t.equal(sample(body, 'interhubz_upstream_calls_total{vendor="intercom",route="me.get",status="200",status_class="2xx"}'), 1);
  t.equal(sample(body, 'interhubz_upstream_calls_total{vendor="intercom",route="conversations.get",status="404",status_class="4xx"}'), 1);
  t.notOk(body.includes(CONVERSATION_ID), 'the conversation id is nowhere in the exposition');
});

t.test('captures by outcome and the close-to-note time', async (t) => {
  const metrics = createMetrics({ clock: Date.now });
  metrics.observe.captures.decided('captured', 660_000);
  metrics.observe.captures.decided('skipped', null);
  metrics.observe.captures.decided('failed', null);
  const { body } = await metrics.render();
  t.equal(sample(body, 'interhubz_captures_total{outcome="captured"}'), 1);
  t.equal(sample(body, 'interhubz_captures_total{outcome="skipped"}'), 1);
  t.equal(sample(body, 'interhubz_captures_total{outcome="failed"}'), 1);
  t.equal(sample(body, 'interhubz_capture_close_to_note_seconds_count'), 1, 'only the written note after a close');
  t.equal(sample(body, 'interhubz_capture_close_to_note_seconds_bucket{le="900"}'), 1);
  t.equal(sample(body, 'interhubz_capture_close_to_note_seconds_bucket{le="600"}'), 0);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

t.test('metrics.port serves /metrics without a token, and nothing else', async (t) => {
  const port = await freePort();
  const daemon = await startTestServer(t, { startScheduler: false, config: { metrics: { port, host: '127.0.0.1' } } });
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  t.equal(response.status, 200);
  t.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  t.match(await response.text(), /^interhubz_process_cpu_user_seconds_total \d/m);
  t.equal((await fetch(`http://127.0.0.1:${port}/api/connections`)).status, 404);
  t.equal((await fetch(`${daemon.url}/metrics`)).status, 401, 'the main port still wants a token');
});
