// A full run on every channel type against local sinks: a connection goes needs_attention → one
// message on each channel; it stays → no second; it recovers → one "resolved". Then delivery
// failures: a 500 is retried and delivered, the failure shown on the channel meanwhile; a 404 is
// given up at once. Health is a fake here (src/health is another part of #16); the tick, the job
// table, the delivery task and the senders are the real ones.
import t, { type Test } from 'tap';
import { runAlertTick } from '../../src/alerts/alert-tick.ts';
import type { HealthNow } from '../../src/alerts/incident-decisions.ts';
import { verifySignature } from '../../src/alerts/signature.ts';
import { purgeAlertHistory } from '../../src/alerts/alert-store.ts';
import { healthOfConnections } from '../../src/health/connection-health.ts';
import { insertConnection, setNeedsReauth, setReauthorised } from '../../src/db/repos/connections.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { decodeQuotedPrintable, startHttpSink, startSmtpSink, type HttpSink } from './sinks.ts';

const SECRET = 'a shared secret of some length';
const PUBLIC_URL = 'https://interhubz.example.com';
const retrying: HealthNow = { state: 'needs_attention', reason: 'Retrying: HubSpot answered 500 — attempt 4 of 10, next at 10:42', incident: 'retrying', link: '/connections/c1/work?state=retrying' };
const ok: HealthNow = { state: 'ok', reason: null, incident: null, link: null };

async function setUp(t: Test, options: { webhookUrl?: (sink: HttpSink) => string } = {}) {
  let now = Date.parse('2026-12-04T10:00:00Z');
  const clock = () => now;
  const web = await startHttpSink(t);
  const slack = await startHttpSink(t);
  const smtp = await startSmtpSink(t);
  const app: TestApp = await buildTestApp(t, {
    startScheduler: false,
    clock,
    config: {
      server: { publicUrl: PUBLIC_URL },
      alerts: {
        channels: [
          { name: 'ops-webhook', type: 'webhook', url: options.webhookUrl?.(web) ?? `${web.url}/interhubz`, secret: SECRET },
          { name: 'ops-slack', type: 'slack', url: `${slack.url}/services/T0/B0/xyz` },
          { name: 'ops-mail', type: 'email', smtp: { host: '127.0.0.1', port: smtp.port }, from: 'interhubz@example.com', to: ['ops@example.com'] },
        ],
      },
    },
  });
  const ctx = app.daemon.context;
  await insertConnection(ctx.db, { id: 'c1', name: 'Acme support', status: 'active', createdAt: now, intercomWorkspaceId: null, intercomRegion: 'us', hubspotPortalId: null, intercomBaseUrl: null, hubspotBaseUrl: null, intercomAuth: null, hubspotAuth: null });
  let health = new Map<string, HealthNow>([['c1', ok]]);
  const tick = async (next: HealthNow) => {
    health = new Map([['c1', next]]);
    await runAlertTick({ db: ctx.db, jobs: ctx.jobs, health: async () => health, alerts: ctx.config.alerts }, clock());
    await ctx.scheduler.drain();
  };
  return { app, web, slack, smtp, tick, advance: (ms: number) => (now += ms), clock };
}

t.test('enters, stays, recovers: one message per channel, then one "resolved"', async (t) => {
  const { web, slack, smtp, tick, clock } = await setUp(t);

  await tick(retrying);
  t.equal(web.received.length, 1, 'one webhook');
  t.equal(slack.received.length, 1, 'one Slack post');
  t.equal(smtp.received.length, 1, 'one email');

  const hook = web.received[0]!;
  t.equal(hook.path, '/interhubz');
  t.ok(
    verifySignature(SECRET, { signature: hook.headers['x-interhubz-signature'] as string, timestamp: hook.headers['x-interhubz-timestamp'] as string }, hook.body, Math.floor(clock() / 1000)),
    'the signature verifies with the documented scheme',
  );
  t.notOk(verifySignature('another secret entirely', { signature: hook.headers['x-interhubz-signature'] as string, timestamp: hook.headers['x-interhubz-timestamp'] as string }, hook.body, Math.floor(clock() / 1000)), 'not with another secret');
  t.notOk(verifySignature(SECRET, { signature: hook.headers['x-interhubz-signature'] as string, timestamp: hook.headers['x-interhubz-timestamp'] as string }, hook.body, Math.floor(clock() / 1000) + 600), 'not outside the replay window');
  const body = JSON.parse(hook.body);
  t.match(body, {
    event: 'incident.opened',
    connection: { id: 'c1', name: 'Acme support' },
    state: 'needs_attention',
    reason: retrying.reason,
    link: `${PUBLIC_URL}/connections/c1/work?state=retrying`,
    at: '2026-12-04T10:00:00.000Z',
    incidentId: Number,
  });
  t.same(Object.keys(body).sort(), ['at', 'connection', 'event', 'incidentId', 'link', 'reason', 'state']);

  const post = JSON.parse(slack.received[0]!.body);
  t.equal(slack.received[0]!.path, '/services/T0/B0/xyz');
  t.match(post, { text: `[Interhubz] Acme support: Needs attention — ${retrying.reason} ${PUBLIC_URL}/connections/c1/work?state=retrying` });
  t.match(post.blocks, [{ type: 'section', text: { type: 'mrkdwn', text: /\*Acme support\*: \*Needs attention\* — Retrying/ } }, { type: 'context', elements: [{ type: 'mrkdwn', text: /<https:\/\/interhubz\.example\.com\/connections\/c1\/work\?state=retrying\|Open in Interhubz>/ } ] }]);

  const mail = smtp.received[0]!;
  t.equal(mail.subject, `[Interhubz] Acme support: Needs attention — ${retrying.reason}`);
  t.same(mail.to, ['ops@example.com']);
  t.equal(mail.from, 'interhubz@example.com');
  const text = decodeQuotedPrintable(mail.raw);
  t.match(text, `Open in Interhubz: ${PUBLIC_URL}/connections/c1/work?state=retrying`, 'the plain text carries the link');
  t.match(mail.raw, /Content-Type: text\/html/, 'and there is an HTML part');

  await tick({ ...retrying, reason: 'Retrying: HubSpot answered 500 — attempt 5 of 10, next at 10:50' });
  t.equal(web.received.length + slack.received.length + smtp.received.length, 3, 'staying unhealthy sends nothing more');

  await tick(ok);
  t.equal(web.received.length, 2);
  t.equal(slack.received.length, 2);
  t.equal(smtp.received.length, 2);
  t.match(JSON.parse(web.received[1]!.body), { event: 'incident.resolved', state: 'ok', incidentId: body.incidentId, reason: `back to normal (was: ${retrying.reason})` });
  t.equal(smtp.received[1]!.subject, `[Interhubz] Acme support: Resolved — back to normal (was: ${retrying.reason})`);

  await tick(ok);
  t.equal(web.received.length, 2, 'staying healthy sends nothing');
});

t.test('a 500 is retried with backoff and then delivered; the failure shows on the channel meanwhile', async (t) => {
  const { app, web, tick, advance } = await setUp(t);
  const api = sessionApi(app, await signIn(app));
  web.script.push(500);

  await tick(retrying);
  t.equal(web.received.length, 1, 'tried once');
  let channels = (await api('GET', '/api/alerts/channels')).body?.channels as Array<Record<string, any>>;
  const hook = channels.find((c) => c.name === 'ops-webhook')!;
  t.match(hook.lastDelivery, { status: 'pending', attempts: 1, lastError: /answered 500: receiver is down/, event: 'incident.opened', connection: { name: 'Acme support' } });

  advance(60 * 60_000);
  await app.daemon.context.scheduler.drain();
  t.equal(web.received.length, 2, 'tried again after the backoff');
  t.equal(web.received[0]!.headers['x-interhubz-delivery'], web.received[1]!.headers['x-interhubz-delivery'], 'the same delivery id on the retry');
  channels = (await api('GET', '/api/alerts/channels')).body?.channels as Array<Record<string, any>>;
  t.match(channels.find((c) => c.name === 'ops-webhook')!.lastDelivery, { status: 'delivered', attempts: 2, lastError: null });
  const deliveries = (await api('GET', '/api/alerts/deliveries')).body?.deliveries as Array<Record<string, any>>;
  t.equal(deliveries.length, 3, 'one delivery per channel');
});

t.test('a 404 (the receiver refuses) is given up at once and shown as failed', async (t) => {
  const { app, web, tick, advance } = await setUp(t);
  web.script.push(404);
  await tick(retrying);
  advance(60 * 60_000);
  await app.daemon.context.scheduler.drain();
  t.equal(web.received.length, 1, 'not retried');
  const api = sessionApi(app, await signIn(app));
  const channels = (await api('GET', '/api/alerts/channels')).body?.channels as Array<Record<string, any>>;
  t.match(channels.find((c) => c.name === 'ops-webhook')!.lastDelivery, { status: 'failed', attempts: 1, lastError: /answered 404/ });
});

t.test('the hourly limit holds back what is over it, then one summary says how many', async (t) => {
  const { app, web, advance, clock } = await setUp(t);
  const ctx = app.daemon.context;
  const alerts = { noWebhookFor: 0, maxPerChannelPerHour: 2 };
  // Three connections fall ill at once; the channel takes two an hour.
  for (const id of ['c2', 'c3']) {
    await insertConnection(ctx.db, { id, name: `Conn ${id}`, status: 'active', createdAt: clock(), intercomWorkspaceId: null, intercomRegion: 'us', hubspotPortalId: null, intercomBaseUrl: null, hubspotBaseUrl: null, intercomAuth: null, hubspotAuth: null });
  }
  const sick = new Map(['c1', 'c2', 'c3'].map((id) => [id, { ...retrying, link: `/connections/${id}` }]));
  await runAlertTick({ db: ctx.db, jobs: ctx.jobs, health: async () => sick, alerts }, clock());
  await ctx.scheduler.drain();
  t.equal(web.received.length, 2, 'two sent, one held back');

  await runAlertTick({ db: ctx.db, jobs: ctx.jobs, health: async () => sick, alerts }, clock());
  await ctx.scheduler.drain();
  t.equal(web.received.length, 2, 'no summary while the hour is full');

  advance(61 * 60_000);
  await runAlertTick({ db: ctx.db, jobs: ctx.jobs, health: async () => sick, alerts }, clock());
  await ctx.scheduler.drain();
  t.equal(web.received.length, 3, 'one summary once there is room');
  t.match(JSON.parse(web.received[2]!.body), { event: 'alerts.suppressed', connection: null, reason: /^1 more alert was held back: this channel gets at most 2 an hour/ });

  await runAlertTick({ db: ctx.db, jobs: ctx.jobs, health: async () => sick, alerts }, clock());
  await ctx.scheduler.drain();
  t.equal(web.received.length, 3, 'and only one');
});

t.test('captures that fail for good: one message per connection per tick, listing the conversations', async (t) => {
  const { app, web, tick, advance, clock } = await setUp(t);
  const ctx = app.daemon.context;
  await tick(ok); // the first look only sets where failures are counted from
  advance(60_000);
  for (const conversationId of ['101', '102']) {
    await ctx.db
      .insertInto('jobs')
      .values({ task: 'conversation.capture', payload: JSON.stringify({ conversationId, trigger: 'close' }), key: null, connection_id: 'c1', status: 'failed', run_at: clock(), attempts: 10, max_attempts: 10, locked_by: null, locked_until: null, last_error: 'HubSpot answered 400: Property values were not valid', created_at: clock(), updated_at: clock(), finished_at: clock(), superseded_by: null })
      .execute();
  }
  advance(60_000);
  await tick(ok);
  t.equal(web.received.length, 1, 'one message for both');
  t.match(JSON.parse(web.received[0]!.body), {
    event: 'captures.failed',
    connection: { id: 'c1', name: 'Acme support' },
    reason: '2 captures failed for good: conversations 101, 102 — HubSpot answered 400: Property values were not valid',
    link: `${PUBLIC_URL}/connections/c1/work?state=failed`,
  });
  advance(60_000);
  await tick(ok);
  t.equal(web.received.length, 1, 'not said again');
});

t.test('no webhook for alerts.noWebhookFor on a connection that heard them before: one message, resolved by the next webhook', async (t) => {
  const { app, web, advance, clock } = await setUp(t);
  const ctx = app.daemon.context;
  const alerts = { noWebhookFor: 3_600_000, maxPerChannelPerHour: 20 };
  const delivery = (id: string) => ({ provider: 'intercom' as const, delivery_id: id, connection_id: 'c1', account_id: null, topic: 'conversation.admin.closed', object_id: null, occurred_at: null, received_at: clock(), status: 'accepted' as const });
  const look = async () => {
    await runAlertTick({ db: ctx.db, jobs: ctx.jobs, health: async () => new Map([['c1', ok]]), alerts }, clock());
    await ctx.scheduler.drain();
  };
  await look();
  t.equal(web.received.length, 0, 'never heard one: nothing expected');
  await ctx.db.insertInto('webhook_deliveries').values(delivery('d1')).execute();
  advance(61 * 60_000);
  // The reconcile sweep records what it finds in the same table: that is no webhook.
  await ctx.db.insertInto('webhook_deliveries').values({ ...delivery('sweep:1:1'), topic: 'interhubz.conversation.swept' }).execute();
  await look();
  t.equal(web.received.length, 1);
  t.match(JSON.parse(web.received[0]!.body), { event: 'incident.opened', state: 'needs_attention', reason: /^No webhook received for 61 min/, link: `${PUBLIC_URL}/connections/c1` });
  advance(10 * 60_000);
  await look();
  t.equal(web.received.length, 1, 'still silent: no second message');
  await ctx.db.insertInto('webhook_deliveries').values(delivery('d2')).execute();
  await look();
  t.equal(web.received.length, 2);
  t.match(JSON.parse(web.received[1]!.body), { event: 'incident.resolved' });
});

t.test('with the real health reader: a refused credential → one "Needs re-authorisation", re-authorised → one "resolved"; old history is purged', async (t) => {
  const { app, web, smtp, advance, clock } = await setUp(t);
  const ctx = app.daemon.context;
  const look = async () => {
    await runAlertTick({ db: ctx.db, jobs: ctx.jobs, health: healthOfConnections, alerts: ctx.config.alerts }, clock());
    await ctx.scheduler.drain();
  };
  await look();
  t.equal(web.received.length, 0, 'a healthy connection says nothing');
  await setNeedsReauth(ctx.db, 'c1', 'hubspot', clock());
  await look();
  t.equal(web.received.length, 1);
  t.match(JSON.parse(web.received[0]!.body), { event: 'incident.opened', state: 'needs_reauth', reason: /^Waiting for re-authorisation of HubSpot/, link: `${PUBLIC_URL}/connections/c1` });
  t.match(smtp.received[0]?.subject, /^\[Interhubz\] Acme support: Needs re-authorisation — Waiting for re-authorisation of HubSpot/);
  await look();
  t.equal(web.received.length, 1, 'no second message');
  await setReauthorised(ctx.db, 'c1', clock());
  await look();
  t.equal(web.received.length, 2);
  t.match(JSON.parse(web.received[1]!.body), { event: 'incident.resolved', state: 'ok' });

  advance(31 * 86_400_000);
  t.equal(await purgeAlertHistory(ctx.db, clock() - 30 * 86_400_000), 3, 'two messages and the closed incident');
  t.same(await ctx.db.selectFrom('alert_deliveries').select('id').execute(), [], 'their deliveries went with them');
});
