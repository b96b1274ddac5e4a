// The conversations backfill against the simulators: closed conversations in the date range, page by
// page, each through the capture path — guards and routing apply (a conversation they stop is
// counted, not captured), a second backfill of the same range writes nothing twice.
import t from 'tap';
import { listActivity } from '../../src/activity/activity-log.ts';
import { closedBetweenQuery, closeRange } from '../../src/backfills/conversation-backfill.ts';
import { captureScenario, type Scenario } from '../helpers/capture-scenario.ts';

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

t.test('closeRange: whole days in the connection time zone, closedTo included; date-times as given', async (t) => {
  t.same(closeRange('2026-03-01', '2026-03-01', 'UTC'), { from: Date.UTC(2026, 2, 1) / 1000, to: Date.UTC(2026, 2, 2) / 1000 - 1 });
  // Berlin is UTC+1 in winter: its 1 March starts at 23:00 UTC the day before.
  t.same(closeRange('2026-03-01', '2026-03-02', 'Europe/Berlin'), { from: Date.UTC(2026, 1, 28, 23) / 1000, to: Date.UTC(2026, 2, 2, 23) / 1000 - 1 });
  // The day summer time starts there (29 March 2026) has 23 hours.
  t.same(closeRange('2026-03-29', '2026-03-29', 'Europe/Berlin'), { from: Date.UTC(2026, 2, 28, 23) / 1000, to: Date.UTC(2026, 2, 29, 22) / 1000 - 1 });
  t.same(closeRange('2026-03-01T10:00:00Z', '2026-03-01T12:30:00+02:00', 'Europe/Berlin'), { from: Date.UTC(2026, 2, 1, 10) / 1000, to: Date.UTC(2026, 2, 1, 10, 30) / 1000 });
  t.same(closedBetweenQuery({ from: 10, to: 20 }), {
    operator: 'AND',
    value: [
      { field: 'statistics.last_close_at', operator: '>', value: 10 },
      { field: 'statistics.last_close_at', operator: '<', value: 20 },
      { field: 'state', operator: '=', value: 'closed' },
    ],
  });
});

async function runBackfill(s: Scenario, range: { closedFrom: string; closedTo: string }) {
  const started = await s.api('POST', `/api/connections/${s.connectionId}/backfills`, { kind: 'conversations', ...range });
  if (started.status !== 202) throw new Error(`backfill: ${JSON.stringify(started.body)}`);
  await s.server.daemon.scheduler.drain();
  const list = await s.api('GET', `/api/connections/${s.connectionId}/backfills`);
  return list.body?.backfills.find((b: { id: string }) => b.id === started.body?.backfill.id) as Record<string, unknown>;
}

t.test('closed conversations in the range go through capture: guards and routing stop some, counted; a rerun writes nothing twice', async (t) => {
  const s = await captureScenario(t, { startScheduler: false });
  s.intercom.control.settings.setIndexDelaySeconds(0);
  await s.setSettings((settings) => {
    settings.conversations.routing.rules = [{ name: 'priority-elsewhere', when: { priority: 'priority' }, destinations: [] }];
  });
  // Closed three days before the range: left out.
  const before = s.conversation({ customer: 'old@acme.test' });
  s.intercom.control.clock.advance(3 * DAY);
  const now = s.intercom.control.clock.now();
  const range = { closedFrom: day(now - DAY), closedTo: day(now + DAY) };

  const captured = Array.from({ length: 20 }, (_, i) => s.conversation({ customer: `c${i}@acme.test`, company: null }));
  const guarded = s.conversation({ customer: 'short@acme.test', messages: 1 });
  const routedNowhere = s.conversation({ customer: 'prio@acme.test', close: false });
  s.intercom.control.actAsAdmin.setPriority({ conversationId: routedNowhere.conversationId, adminId: s.adminId, priority: 'priority' });
  s.intercom.control.actAsAdmin.close({ conversationId: routedNowhere.conversationId, adminId: s.adminId });
  s.conversation({ customer: 'open@acme.test', close: false });

  const first = await runBackfill(s, range);
  t.match(first, { state: 'done', total: 22, totalIsEstimate: false, done: 22, created: 20, updated: 0, unchanged: 2, skippedByFilter: 0, failed: 0, lastError: null });
  const notes = s.notes();
  t.equal(notes.length, 20, 'one note per conversation that passed, none for the old, guarded, routed-away or open ones');

  const db = s.server.daemon.db.kysely;
  const entries = await listActivity(db, { connectionId: s.connectionId, kind: 'capture', limit: 100 });
  const of = (id: string) => entries.filter((entry) => entry.subject_id === id);
  t.match(of(guarded.conversationId), [{ outcome: 'skipped', reason: 'human_teammate' }], 'the guard is named (one customer message, no teammate reply)');
  t.match(JSON.parse(of(guarded.conversationId)[0]?.detail ?? '{}'), { trigger: 'backfill' });
  t.match(of(routedNowhere.conversationId), [{ outcome: 'skipped', reason: 'rule: priority-elsewhere' }], 'the routing rule is named');
  t.same(of(before.conversationId), [], 'the conversation closed before the range was not looked at');
  t.match(of(captured[0]?.conversationId ?? ''), [{ outcome: 'captured' }]);
  const pages = await db.selectFrom('backfills').select('pages').executeTakeFirstOrThrow();
  t.equal(pages.pages, 2, '20 conversations a page');

  // The close-to-note time measures live captures: months-old closes would swamp it.
  const token = await s.api('POST', '/api/tokens', { name: 'prometheus', scope: 'metrics' });
  const metrics = await (await s.server.fetch('/metrics', { headers: { authorization: `Bearer ${String(token.body?.secret)}` } })).text();
  t.match(metrics, /^interhubz_captures_total\{outcome="captured"\} 20$/m, 'the captures are counted');
  t.match(metrics, /^interhubz_capture_close_to_note_seconds_count 0$/m, 'but not in the close-to-note time');

  const second = await runBackfill(s, range);
  t.match(second, { state: 'done', total: 22, done: 22, created: 0, updated: 0, unchanged: 22, failed: 0 }, 'every note is already there and unchanged');
  t.equal(s.notes().length, 20, 'no second copy');
});

t.test('a conversation whose capture fails is counted as failed, and the backfill goes on', async (t) => {
  const s = await captureScenario(t, { startScheduler: false });
  s.intercom.control.settings.setIndexDelaySeconds(0);
  const now = s.intercom.control.clock.now();
  const ok = s.conversation({ customer: 'fine@acme.test', company: null });
  const broken = s.conversation({ customer: 'broken@acme.test', company: null });
  // The customer was deleted in Intercom after the conversation closed: its capture fails for good.
  s.intercom.control.contacts.delete(broken.contactId);
  const result = await runBackfill(s, { closedFrom: day(now - DAY), closedTo: day(now + DAY) });
  t.match(result, { state: 'done', total: 2, done: 2, created: 1, failed: 1 });
  const entries = await listActivity(s.server.daemon.db.kysely, { connectionId: s.connectionId, kind: 'capture' });
  t.match(entries.filter((entry) => entry.subject_id === broken.conversationId), [{ outcome: 'failed' }], 'the failure is in the activity log');
  t.match(entries.filter((entry) => entry.subject_id === ok.conversationId), [{ outcome: 'captured' }]);
});
