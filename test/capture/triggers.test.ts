// Capture triggers: each mode against the webhook topics, the grace and debounce arithmetic, the
// sweep's decisions and rolling captures.
import t from 'tap';
import { rollingDue, sweptTrigger, triggerFor } from '../../src/capture/triggers.ts';
import { closeWindow } from '../../src/conversations/close-window.ts';
import type { CaptureSettings } from '../../src/config/connection-settings.ts';
import { SWEPT_TOPIC } from '../../src/reconcile/reconcile-task.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = 1_760_000_000_000;
const ON_CLOSE: CaptureSettings = { mode: 'on_close', graceMinutes: 10, realtimeDebounceMinutes: 2, rollingHours: 0 };
const REALTIME: CaptureSettings = { ...ON_CLOSE, mode: 'realtime' };
const MANUAL: CaptureSettings = { ...ON_CLOSE, mode: 'manual' };

const at = (topic: string, capture: CaptureSettings, occurredAt: number | null = NOW) => triggerFor({ topic, occurredAt, now: NOW, capture });

t.test('on_close: a close schedules after the grace window, replacing a pending one', async (t) => {
  t.same(at('conversation.admin.closed', ON_CLOSE), { kind: 'schedule', runAt: NOW + 10 * MIN, keyMode: 'replace', why: 'closed; captured after a grace window of 10 minutes' });
  t.match(at('conversation.admin.closed', { ...ON_CLOSE, graceMinutes: 1 }), { runAt: NOW + MIN, why: 'closed; captured after a grace window of 1 minute' });
  t.match(at('conversation.admin.closed', { ...ON_CLOSE, graceMinutes: 0 }), { kind: 'schedule', runAt: NOW }, 'no grace: now');
});

t.test('on_close: the window runs from the close, never before now, never from the future', async (t) => {
  t.match(at('conversation.admin.closed', ON_CLOSE, NOW - 3 * MIN), { runAt: NOW + 7 * MIN }, 'delivered three minutes late');
  t.match(at('conversation.admin.closed', ON_CLOSE, NOW - HOUR), { runAt: NOW }, 'the window has passed already');
  t.match(at('conversation.admin.closed', ON_CLOSE, NOW + 5 * MIN), { runAt: NOW + 10 * MIN }, 'a clock ahead of ours counts as now');
  t.match(at('conversation.admin.closed', ON_CLOSE, null), { runAt: NOW + 10 * MIN }, 'no event time: from now');
});

t.test('on_close: a reopen, a customer message or a snooze cancels nothing (the capture checks the state when it runs); a deletion cancels', async (t) => {
  // Events come late and out of order (issue #13 item 2): cancelling on them lost newer closes.
  for (const topic of ['conversation.admin.opened', 'conversation.user.replied', 'conversation.user.created', 'conversation.admin.snoozed']) {
    t.equal(at(topic, ON_CLOSE).kind, 'none', topic);
  }
  t.same(at('conversation.admin.opened', ON_CLOSE), { kind: 'none', why: "reopened: a pending capture checks the conversation's state when it runs" });
  t.same(at('conversation.deleted', ON_CLOSE), { kind: 'cancel', why: 'deleted in Intercom' });
});

t.test('closeWindow: captured only when closed for a whole grace window since the LAST close', async (t) => {
  const window = (state: string | null, lastCloseAt: number | null, now = NOW) => closeWindow({ state, lastCloseAt, graceMinutes: 10, now });
  t.same(window('open', NOW - HOUR), { kind: 'not_closed' });
  t.same(window('snoozed', NOW - HOUR), { kind: 'not_closed' });
  t.same(window(null, null), { kind: 'not_closed' }, 'an unknown state is not taken as closed');
  t.same(window('closed', NOW - 10 * MIN), { kind: 'capture' }, 'the window has just ended');
  t.same(window('closed', NOW - 3 * MIN), { kind: 'wait', until: NOW + 7 * MIN }, 'closed again since: wait for that close\'s window');
  t.same(window('closed', null), { kind: 'capture' }, 'no close time: the close that scheduled the job counts');
  t.same(window('closed', NOW + 2 * MIN), { kind: 'wait', until: NOW + 10 * MIN }, 'a close ahead of our clock counts as now');
  t.same(closeWindow({ state: 'closed', lastCloseAt: NOW + 2 * MIN, graceMinutes: 0, now: NOW }), { kind: 'capture' }, 'no grace window: at once, whatever the skew');
});

t.test('on_close: everything else changes nothing', async (t) => {
  for (const topic of ['conversation.admin.replied', 'conversation.admin.noted', 'conversation.operator.replied', 'conversation.admin.assigned', 'conversation.admin.unsnoozed', 'conversation.read', 'contact.user.created', 'ping', 'made.up']) {
    t.equal(at(topic, ON_CLOSE).kind, 'none', topic);
  }
  t.same(at('conversation.admin.replied', ON_CLOSE), { kind: 'none', why: 'conversation.admin.replied neither closes nor reopens the conversation' });
});

t.test('realtime: content changes schedule after the debounce, each one pushing it back', async (t) => {
  const topics = [
    'conversation.user.created',
    'conversation.user.replied',
    'conversation.admin.replied',
    'conversation.admin.noted',
    'conversation.operator.replied',
    'conversation.admin.closed',
    'conversation.admin.opened',
    'conversation.admin.snoozed',
    'conversation.admin.assigned',
    'conversation.admin.open.assigned',
    'conversation.priority.updated',
    'conversation_part.tag.created',
    'conversation_part.redacted',
  ];
  for (const topic of topics) t.same(at(topic, REALTIME), { kind: 'schedule', runAt: NOW + 2 * MIN, keyMode: 'replace', why: 'changed; captured once quiet for 2 minutes' }, topic);
  t.match(at('conversation.user.replied', REALTIME, NOW - MIN), { runAt: NOW + MIN }, 'from the event');
  t.match(at('conversation.user.replied', { ...REALTIME, realtimeDebounceMinutes: 0.5 }), { runAt: NOW + 30_000 });
});

t.test('realtime: nothing shown changes, or the conversation is gone', async (t) => {
  t.same(at('conversation.read', REALTIME), { kind: 'none', why: 'conversation.read changes nothing a capture shows' });
  t.equal(at('contact.user.updated', REALTIME).kind, 'none');
  t.equal(at('ticket.created', REALTIME).kind, 'none');
  t.same(at('conversation.deleted', REALTIME), { kind: 'cancel', why: 'deleted in Intercom' });
});

t.test('manual: nothing, whatever the topic', async (t) => {
  for (const topic of ['conversation.admin.closed', 'conversation.user.replied', 'conversation.admin.opened', 'conversation.deleted']) {
    t.same(at(topic, MANUAL), { kind: 'none', why: 'capture is manual: only a push captures' }, topic);
  }
});

t.test('the sweep\'s topic is decided from the fresh conversation, in every mode', async (t) => {
  for (const capture of [ON_CLOSE, REALTIME, MANUAL]) t.same(at(SWEPT_TOPIC, capture), { kind: 'none', why: 'decided from the fresh conversation' });
});

t.test('sweptTrigger, on_close', async (t) => {
  const swept = (over: Partial<Parameters<typeof sweptTrigger>[0]>) =>
    sweptTrigger({ state: 'closed', lastCloseAt: NOW - 2 * MIN, updatedAt: NOW - MIN, now: NOW, capture: ON_CLOSE, alreadyCapturedAt: null, ...over });
  t.same(swept({}), { kind: 'schedule', runAt: NOW + 8 * MIN, keyMode: 'keep', coveredByRunSince: NOW - MIN, why: 'closed and not captured since (found by the sweep)' }, 'never captured: the rest of the window; a capture started after the version seen covers it');
  t.match(swept({ lastCloseAt: NOW - HOUR }), { kind: 'schedule', runAt: NOW }, 'window over: now');
  t.match(swept({ alreadyCapturedAt: NOW - HOUR }), { kind: 'schedule' }, 'closed again after the last capture');
  t.same(swept({ alreadyCapturedAt: NOW - MIN }), { kind: 'none', why: 'already captured since its last close' });
  t.equal(swept({ alreadyCapturedAt: NOW - 2 * MIN }).kind, 'none', 'captured at the very close time');
  t.same(swept({ state: 'open' }), { kind: 'none', why: 'not closed' });
  t.equal(swept({ state: 'snoozed' }).kind, 'none');
  t.equal(swept({ state: null }).kind, 'none');
  t.match(swept({ lastCloseAt: null }), { kind: 'schedule', runAt: NOW + 9 * MIN }, 'no statistics: the last update stands in for the close');
  t.match(swept({ lastCloseAt: NOW + 8 * HOUR }), { kind: 'schedule', runAt: NOW + 10 * MIN }, "a close ahead of our clock counts as now, not hours off");
  t.match(swept({ lastCloseAt: null, updatedAt: NOW + 8 * HOUR }), { kind: 'schedule', runAt: NOW + 10 * MIN }, 'an update ahead of our clock too');
  t.equal(swept({ lastCloseAt: null, alreadyCapturedAt: NOW - 30_000 }).kind, 'none');
});

t.test('sweptTrigger, realtime and manual', async (t) => {
  const swept = (over: Partial<Parameters<typeof sweptTrigger>[0]>) =>
    sweptTrigger({ state: 'open', lastCloseAt: null, updatedAt: NOW - MIN, now: NOW, capture: REALTIME, alreadyCapturedAt: null, ...over });
  t.same(swept({}), { kind: 'schedule', runAt: NOW + MIN, keyMode: 'keep', coveredByRunSince: NOW - MIN, why: 'changed since the last capture (found by the sweep)' });
  t.match(swept({ alreadyCapturedAt: NOW - HOUR, updatedAt: NOW - 30 * MIN }), { kind: 'schedule', runAt: NOW });
  t.match(swept({ updatedAt: NOW + 8 * HOUR }), { kind: 'schedule', runAt: NOW + 2 * MIN }, 'a change ahead of our clock counts as now');
  t.match(swept({ state: 'closed', alreadyCapturedAt: NOW - HOUR }), { kind: 'schedule' }, 'any state');
  t.same(swept({ alreadyCapturedAt: NOW - MIN }), { kind: 'none', why: 'already captured since its last change' });
  t.equal(swept({ capture: MANUAL }).kind, 'none');
  t.equal(swept({ capture: MANUAL, state: 'closed', lastCloseAt: NOW - HOUR }).kind, 'none');
});

t.test('rollingDue', async (t) => {
  const due = (over: Partial<Parameters<typeof rollingDue>[0]>) => rollingDue({ state: 'open', createdAt: NOW - 5 * HOUR, lastCapturedAt: null, now: NOW, rollingHours: 4, ...over });
  t.ok(due({}), 'open longer than the period, never captured');
  t.notOk(due({ createdAt: NOW - 3 * HOUR }), 'not yet');
  t.ok(due({ createdAt: NOW - 4 * HOUR }), 'exactly the period');
  t.notOk(due({ lastCapturedAt: NOW - HOUR }), 'captured within the period');
  t.ok(due({ lastCapturedAt: NOW - 4 * HOUR - 1 }), 'again after each period');
  t.ok(due({ state: 'snoozed' }), 'snoozed is still open');
  t.notOk(due({ state: 'closed' }), 'closed is the close trigger\'s business');
  t.notOk(due({ state: null }), 'an unknown state');
  t.notOk(due({ rollingHours: 0 }), '0 = never');
  t.notOk(due({ lastCapturedAt: NOW - 10 * HOUR, createdAt: NOW - HOUR }), 'a capture older than the conversation counts from its start');
});
