// Choosing one HubSpot contact among several matches.
import t from 'tap';
import { ENGAGEMENT_PROPERTIES, candidateFromRecord, chooseContact, parseHubSpotTime } from '../../src/matching/tie-break.ts';
import type { Candidate } from '../../src/matching/tie-break.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-05-10T12:00:00Z');
const OPTIONS = { now: NOW, engagementWithinDays: 30 };
const c = (id: string, createdAt: number | null, lastEngagementAt: number | null): Candidate => ({ id, createdAt, lastEngagementAt });

t.test('one candidate: no tie', async (t) => {
  const result = chooseContact([c('512', null, null)], OPTIONS);
  t.equal(result.chosen.id, '512');
  t.equal(result.tie, false);
  t.match(result.reason, /512/);
});

t.test('no candidate is a programming error', async (t) => {
  t.throws(() => chooseContact([], OPTIONS));
});

t.test('the most recent engagement inside the window wins over older records', async (t) => {
  const result = chooseContact([
    c('100', NOW - 900 * DAY, NOW - 20 * DAY),
    c('512', NOW - 10 * DAY, Date.parse('2026-05-01T08:00:00Z')),
    c('7', NOW - 999 * DAY, null),
  ], OPTIONS);
  t.equal(result.chosen.id, '512');
  t.equal(result.tie, true);
  t.equal(result.reason, '3 HubSpot contacts match; chose 512 (most recent engagement, 2026-05-01)');
});

t.test('engagement outside the window does not count: the oldest record wins', async (t) => {
  const result = chooseContact([
    c('512', NOW - 10 * DAY, NOW - 31 * DAY),
    c('100', Date.parse('2024-01-02T00:00:00Z'), null),
  ], OPTIONS);
  t.equal(result.chosen.id, '100');
  t.equal(result.reason, '2 HubSpot contacts match; chose 100 (oldest record, created 2024-01-02; none engaged in the last 30 days)');
  t.equal(chooseContact([c('512', NOW - 10 * DAY, NOW - 29 * DAY), c('100', NOW - 99 * DAY, null)], OPTIONS).chosen.id, '512', 'just inside');
});

t.test('a window of 0 days turns the engagement rule off', async (t) => {
  const result = chooseContact([c('512', NOW - 10 * DAY, NOW), c('100', NOW - 99 * DAY, null)], { now: NOW, engagementWithinDays: 0 });
  t.equal(result.chosen.id, '100');
  t.match(result.reason, /engagement not considered/);
});

t.test('equal engagement: the oldest of those that share it, not an unengaged older one', async (t) => {
  const when = NOW - 2 * DAY;
  const result = chooseContact([
    c('1', NOW - 999 * DAY, null),
    c('300', NOW - 50 * DAY, when),
    c('200', NOW - 80 * DAY, when),
  ], OPTIONS);
  t.equal(result.chosen.id, '200');
  t.match(result.reason, /^3 HubSpot contacts match; chose 200 \(2 share the most recent engagement, 2026-05-08; oldest record of those, created /);
});

t.test('no engagement: oldest, then numeric id; unknown creation dates last', async (t) => {
  const created = NOW - 100 * DAY;
  t.equal(chooseContact([c('90', created, null), c('100', created, null), c('9', created, null)], OPTIONS).chosen.id, '9', 'ids compare as numbers');
  t.equal(chooseContact([c('1', null, null), c('2', created, null)], OPTIONS).chosen.id, '2');
  t.equal(chooseContact([c('20', null, null), c('3', null, null)], OPTIONS).chosen.id, '3');
  t.equal(chooseContact([c('12345678901234567890', created, null), c('12345678901234567891', created, null)], OPTIONS).chosen.id, '12345678901234567890', 'beyond 2^53');
});

t.test('deterministic whatever the input order', async (t) => {
  const candidates = [c('5', NOW - 9 * DAY, NOW - DAY), c('4', NOW - 9 * DAY, NOW - DAY), c('6', NOW - 8 * DAY, null), c('3', null, NOW - 40 * DAY)];
  const first = chooseContact(candidates, OPTIONS);
  t.same(chooseContact([...candidates].reverse(), OPTIONS), first);
  t.equal(first.chosen.id, '4');
});

t.test('candidates from HubSpot records: the later engagement property counts', async (t) => {
  t.same([...ENGAGEMENT_PROPERTIES], ['notes_last_updated', 'hs_last_sales_activity_timestamp', 'createdate']);
  t.same(candidateFromRecord({ id: '512', properties: {
    createdate: '2026-01-01T00:00:00.000Z', notes_last_updated: '2026-05-01T00:00:00Z', hs_last_sales_activity_timestamp: String(Date.parse('2026-05-03T00:00:00Z')),
  } }), c('512', Date.parse('2026-01-01T00:00:00Z'), Date.parse('2026-05-03T00:00:00Z')));
  t.same(candidateFromRecord({ id: '7', properties: { createdate: null, notes_last_updated: '' } }), c('7', null, null));
  t.equal(parseHubSpotTime('not a date'), null);
});
