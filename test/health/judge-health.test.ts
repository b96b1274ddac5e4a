// The pure health judgement: every state, the order of precedence and the reason lines.
import t from 'tap';
import type { JobHealthFacts, KindOfWork } from '../../src/jobs/health-facts.ts';
import { clockTime, describeWork, judgeHealth, summarizeError, type HealthFacts } from '../../src/health/judge-health.ts';

const NOW = Date.UTC(2026, 11, 4, 10, 30);
const HOUR = 3_600_000;
const thresholds = { failingWindowMs: 24 * HOUR, silentWebhooksMs: 24 * HOUR };
const HUBSPOT_500 = 'UpstreamError: HubSpot POST /crm/objects/2026-09/notes failed with 500: internal error (request id abc)';

function facts(overrides: { connection?: Partial<HealthFacts['connection']>; jobs?: JobHealthFacts; webhooks?: HealthFacts['webhooks'] } = {}): HealthFacts {
  return {
    connection: { id: 'c1', status: 'active', intercomRefused: false, hubspotRefused: false, intercomWorkspaceId: 'ws1', createdAt: NOW - 30 * 24 * HOUR, timeZone: 'UTC', ...overrides.connection },
    jobs: overrides.jobs ?? {},
    webhooks: overrides.webhooks ?? { received: 5, swept: 0 },
  };
}

function work(count: number, sample: Partial<KindOfWork['sample']> = {}, byTask: Record<string, number> = { 'conversation.capture': count }): KindOfWork {
  return { count, byTask, sample: { task: 'conversation.capture', attempts: 1, maxAttempts: 10, runAt: NOW, lastError: null, finishedAt: null, ...sample } };
}

t.test('nothing wrong: ok, with no reason, incident or link', async (t) => {
  t.same(judgeHealth(facts(), NOW, thresholds), { state: 'ok', reason: null, incident: null, link: null });
});

t.test('retrying: vendor and status from last_error, attempt n of m, next run time in the connection zone', async (t) => {
  const health = judgeHealth(facts({ jobs: { retrying: work(1, { attempts: 4, maxAttempts: 10, runAt: Date.UTC(2026, 11, 4, 10, 42), lastError: HUBSPOT_500 }) } }), NOW, thresholds);
  t.same(health, {
    state: 'needs_attention', incident: 'retrying', link: '/connections/c1/work?state=retrying',
    reason: 'Retrying: HubSpot answered 500 — attempt 4 of 10, next at 10:42',
  });
  const berlin = judgeHealth(facts({ connection: { timeZone: 'Europe/Berlin' }, jobs: { retrying: work(3, { attempts: 2, runAt: Date.UTC(2026, 11, 4, 10, 42), lastError: HUBSPOT_500 }) } }), NOW, thresholds);
  t.equal(berlin.reason, 'Retrying: HubSpot answered 500 — attempt 2 of 10, next at 11:42 (3 captures retrying)', 'local time; how many when more than one');
});

t.test('parked while needs_reauth: "Waiting for re-authorisation of HubSpot: N captures held", linked to the parked work', async (t) => {
  const health = judgeHealth(facts({ connection: { status: 'needs_reauth', hubspotRefused: true }, jobs: { parked: work(3) } }), NOW, thresholds);
  t.same(health, { state: 'needs_reauth', incident: 'reauth', reason: 'Waiting for re-authorisation of HubSpot: 3 captures held', link: '/connections/c1/work?state=parked' });
  const both = judgeHealth(facts({ connection: { status: 'needs_reauth', hubspotRefused: true, intercomRefused: true }, jobs: { parked: work(3, {}, { 'conversation.capture': 1, 'tickets.stage': 2 }) } }), NOW, thresholds);
  t.equal(both.reason, 'Waiting for re-authorisation of Intercom and HubSpot: 1 capture and 2 other jobs held');
});

t.test('needs_reauth with nothing parked still says so, without a link', async (t) => {
  const health = judgeHealth(facts({ connection: { status: 'needs_reauth', intercomRefused: true } }), NOW, thresholds);
  t.match(health, { state: 'needs_reauth', incident: 'reauth', link: null, reason: /^Waiting for re-authorisation of Intercom: / });
});

t.test('parked work under a connection that is not marked: needs_reauth all the same (incident parked), side from the error', async (t) => {
  const health = judgeHealth(facts({ jobs: { parked: work(2, { lastError: 'HubSpot GET /x failed with 401' }) } }), NOW, thresholds);
  t.same(health, { state: 'needs_reauth', incident: 'parked', reason: 'Waiting for re-authorisation of HubSpot: 2 captures held', link: '/connections/c1/work?state=parked' });
});

t.test('paused: its own state, no incident', async (t) => {
  t.match(judgeHealth(facts({ connection: { status: 'paused' }, jobs: { retrying: work(1, { lastError: HUBSPOT_500 }) } }), NOW, thresholds), { state: 'paused', incident: null, link: null });
});

t.test('failing: failed work in the window, with the latest error', async (t) => {
  t.same(judgeHealth(facts({ jobs: { failed: work(2, { lastError: 'HubSpot POST /crm/objects/2026-09/notes failed with 400: bad property' }) } }), NOW, thresholds), {
    state: 'needs_attention', incident: 'failing', link: '/connections/c1/work?state=failed',
    reason: 'Failing: 2 captures failed in the last 24 h — the latest: HubSpot answered 400',
  });
});

t.test('stalled: late work, since when', async (t) => {
  t.same(judgeHealth(facts({ jobs: { late: work(4, { runAt: Date.UTC(2026, 11, 4, 10, 12) }) } }), NOW, thresholds), {
    state: 'needs_attention', incident: 'stalled', link: '/connections/c1/work?state=late',
    reason: 'Stalled: 4 captures due since 10:12 have not run',
  });
});

t.test('webhooks_silent: the sweep finds changes while no Intercom webhook arrived in the window', async (t) => {
  const silent = judgeHealth(facts({ webhooks: { received: 0, swept: 3 } }), NOW, thresholds);
  t.match(silent, { state: 'needs_attention', incident: 'webhooks_silent', link: null, reason: /^No Intercom webhook in 24 h while the sweep found 3 changed conversations/ });
  t.match(judgeHealth(facts({ webhooks: { received: 0, swept: 0 } }), NOW, thresholds), { state: 'ok' }, 'nothing changed: quiet is fine');
  t.match(judgeHealth(facts({ webhooks: { received: 1, swept: 3 } }), NOW, thresholds), { state: 'ok' }, 'webhooks arrive');
  t.match(judgeHealth(facts({ connection: { createdAt: NOW - HOUR }, webhooks: { received: 0, swept: 3 } }), NOW, thresholds), { state: 'ok' }, 'a new connection is not judged before a whole window');
});

t.test('precedence: reauth > parked > paused > failing > retrying > stalled > webhooks_silent', async (t) => {
  const all: JobHealthFacts = { parked: work(1), failed: work(1), retrying: work(1), late: work(1) };
  const silent = { received: 0, swept: 1 };
  const incidentOf = (f: HealthFacts) => judgeHealth(f, NOW, thresholds).incident;
  t.equal(incidentOf(facts({ connection: { status: 'needs_reauth' }, jobs: all, webhooks: silent })), 'reauth');
  t.equal(incidentOf(facts({ connection: { status: 'paused' }, jobs: all, webhooks: silent })), 'parked');
  t.equal(incidentOf(facts({ connection: { status: 'paused' }, jobs: { ...all, parked: undefined }, webhooks: silent })), null, 'paused');
  t.equal(incidentOf(facts({ jobs: { failed: work(1), retrying: work(1), late: work(1) }, webhooks: silent })), 'failing');
  t.equal(incidentOf(facts({ jobs: { retrying: work(1), late: work(1) }, webhooks: silent })), 'retrying');
  t.equal(incidentOf(facts({ jobs: { late: work(1) }, webhooks: silent })), 'stalled');
  t.equal(incidentOf(facts({ webhooks: silent })), 'webhooks_silent');
});

t.test('the reason line parts', async (t) => {
  t.equal(summarizeError('Intercom GET /conversations/1 failed with timeout'), 'Intercom did not answer in time');
  t.equal(summarizeError('HubSpot GET /x failed with network: ECONNREFUSED'), 'HubSpot could not be reached');
  t.equal(summarizeError('HubSpot POST /crm/objects/2026-09/notes failed with rate_limited'), "waiting for HubSpot's rate budget");
  t.equal(summarizeError('the handler threw a non-Error value'), 'the handler threw a non-Error value', 'anything else as it is');
  t.equal(summarizeError(`${'x'.repeat(200)}`).length, 120, 'clipped');
  t.equal(describeWork({ count: 1, byTask: { 'conversation.capture': 1 } }), '1 capture');
  t.equal(describeWork({ count: 2, byTask: { 'tickets.stage': 2 } }), '2 jobs');
  t.equal(clockTime(Date.UTC(2026, 11, 5, 9, 5), NOW, 'UTC'), '5 Dec 09:05', 'another day shows the day');
});
