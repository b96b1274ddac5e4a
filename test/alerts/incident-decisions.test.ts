// The pure rules of when an alert is due: one per incident, one "resolved", a new incident when
// the kind changes, nothing while it stays; webhook silence; failed captures grouped; the hourly limit.
import t from 'tap';
import { decideHealthIncidents, decideWebhookSilence, summariseFailedCaptures, type HealthNow, type OpenIncident } from '../../src/alerts/incident-decisions.ts';
import { admitMessage, summaryDue } from '../../src/alerts/rate-limit.ts';

const ok: HealthNow = { state: 'ok', reason: null, incident: null, link: null };
const retrying: HealthNow = { state: 'needs_attention', reason: 'Retrying: HubSpot answered 500 — attempt 4 of 10, next at 10:42', incident: 'retrying', link: '/connections/c1/work?state=retrying' };
const parked: HealthNow = { state: 'needs_reauth', reason: 'Waiting for re-authorisation of HubSpot: 3 captures held', incident: 'parked', link: '/connections/c1/work?state=parked' };
const openRetrying: OpenIncident = { id: 7, connectionId: 'c1', source: 'health', state: 'needs_attention', kind: 'retrying' };

t.test('entering needs_attention opens one incident with the reason and link', async (t) => {
  t.same(decideHealthIncidents([], new Map([['c1', retrying], ['c2', ok]])), [
    { type: 'open', incident: { connectionId: 'c1', source: 'health', state: 'needs_attention', kind: 'retrying', reason: retrying.reason, link: retrying.link } },
  ]);
});

t.test('entering needs_reauth opens one too', async (t) => {
  t.match(decideHealthIncidents([], new Map([['c1', parked]])), [{ type: 'open', incident: { state: 'needs_reauth', kind: 'parked' } }]);
});

t.test('staying unhealthy with the same kind says nothing, even when the reason moves on (dedupe)', async (t) => {
  const later = { ...retrying, reason: 'Retrying: HubSpot answered 500 — attempt 5 of 10, next at 10:50' };
  t.same(decideHealthIncidents([openRetrying], new Map([['c1', later]])), []);
});

t.test('a change of kind or state while unhealthy replaces the incident (no "resolved")', async (t) => {
  t.match(decideHealthIncidents([openRetrying], new Map([['c1', parked]])), [{ type: 'replace', closeId: 7, incident: { state: 'needs_reauth', kind: 'parked' } }]);
  const stalled = { ...retrying, incident: 'stalled', reason: 'Stalled: 4 captures due for 30 min' };
  t.match(decideHealthIncidents([openRetrying], new Map([['c1', stalled]])), [{ type: 'replace', closeId: 7, incident: { kind: 'stalled' } }]);
});

t.test('leaving resolves the open incident once; a healthy connection without one says nothing', async (t) => {
  t.same(decideHealthIncidents([openRetrying], new Map([['c1', ok]])), [{ type: 'resolve', incidentId: 7, connectionId: 'c1', source: 'health' }]);
  t.same(decideHealthIncidents([], new Map([['c1', ok]])), []);
});

t.test('paused keeps the incident open and silent; a deleted connection closes it without a message', async (t) => {
  t.same(decideHealthIncidents([openRetrying], new Map([['c1', { ...ok, state: 'paused' }]])), []);
  t.same(decideHealthIncidents([openRetrying], new Map()), [{ type: 'close_silently', incidentId: 7 }]);
});

t.test('a no_webhook incident is not touched by health decisions', async (t) => {
  const silence: OpenIncident = { id: 9, connectionId: 'c1', source: 'no_webhook', state: 'needs_attention', kind: 'no_webhook' };
  t.same(decideHealthIncidents([silence], new Map([['c1', ok]])), []);
});

t.test('webhook silence: only after the limit, only for an active connection that heard webhooks before', async (t) => {
  const hour = 3_600_000;
  const now = 10 * hour;
  t.match(decideWebhookSilence([], [{ connectionId: 'c1', lastWebhookAt: now - 2 * hour, active: true }], now, hour), [
    { type: 'open', incident: { connectionId: 'c1', source: 'no_webhook', kind: 'no_webhook', reason: /^No webhook received for 2 h \(last at / } },
  ]);
  t.same(decideWebhookSilence([], [{ connectionId: 'c1', lastWebhookAt: now - 30 * 60_000, active: true }], now, hour), [], 'not yet');
  t.same(decideWebhookSilence([], [{ connectionId: 'c1', lastWebhookAt: null, active: true }], now, hour), [], 'never heard one: nothing expected');
  t.same(decideWebhookSilence([], [{ connectionId: 'c1', lastWebhookAt: now - 2 * hour, active: false }], now, hour), [], 'paused or not connected');
  t.same(decideWebhookSilence([], [{ connectionId: 'c1', lastWebhookAt: now - 2 * hour, active: true }], now, 0), [], 'off');
  const open: OpenIncident = { id: 3, connectionId: 'c1', source: 'no_webhook', state: 'needs_attention', kind: 'no_webhook' };
  t.same(decideWebhookSilence([open], [{ connectionId: 'c1', lastWebhookAt: now - 2 * hour, active: true }], now, hour), [], 'still silent: no second message');
  t.same(decideWebhookSilence([open], [{ connectionId: 'c1', lastWebhookAt: now - 60_000, active: true }], now, hour), [{ type: 'resolve', incidentId: 3, connectionId: 'c1', source: 'no_webhook' }]);
  t.same(decideWebhookSilence([], [{ connectionId: 'c1', lastWebhookAt: now - 2 * hour, active: true, coveredByHealth: true }], now, hour), [], "health's webhooks_silent incident already says it");
  t.same(decideWebhookSilence([open], [{ connectionId: 'c1', lastWebhookAt: now - 60_000, active: true, coveredByHealth: true }], now, hour), [], 'and an open one is left as it is');
});

t.test('failed captures: one summary per connection, with the conversation ids and the reason', async (t) => {
  const summaries = summariseFailedCaptures([
    { connectionId: 'c1', conversationId: '101', reason: 'HubSpot answered 400: property missing' },
    { connectionId: 'c2', conversationId: '201', reason: 'gave up after 10 attempts' },
    { connectionId: 'c1', conversationId: '102', reason: 'HubSpot answered 400: property missing' },
  ]);
  t.same(summaries, [
    { connectionId: 'c1', count: 2, reason: '2 captures failed for good: conversations 101, 102 — HubSpot answered 400: property missing' },
    { connectionId: 'c2', count: 1, reason: '1 capture failed for good: conversation 201 — gave up after 10 attempts' },
  ]);
  const many = summariseFailedCaptures(Array.from({ length: 7 }, (_, i) => ({ connectionId: 'c1', conversationId: String(i), reason: 'x' })));
  t.match(many[0]?.reason, /conversations 0, 1, 2, 3, 4 and 2 more — x$/);
});

t.test('rate limit: sends under the limit, suppresses at it; the summary waits for room', async (t) => {
  t.equal(admitMessage(19, 20), 'send');
  t.equal(admitMessage(20, 20), 'suppress');
  t.equal(summaryDue(3, 20, 20), false, 'the hour is still full');
  t.equal(summaryDue(3, 12, 20), true);
  t.equal(summaryDue(0, 0, 20), false, 'nothing held back');
});

t.test('an incident without a link of its own links to the connection page', async (t) => {
  t.match(decideHealthIncidents([], new Map([['c1', { ...parked, link: null }]])), [{ type: 'open', incident: { link: '/connections/c1' } }]);
});
