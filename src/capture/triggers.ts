// Capture triggers (DESIGN.md §1): what an Intercom webhook topic, a conversation found by the
// reconciliation sweep, or the passing of time means for a connection's pending capture. Pure; the
// caller owns the queue: 'schedule' puts the capture job at runAt under the conversation's key
// ('replace' moves a pending one, 'keep' leaves a pending one where it is), 'cancel' removes it.
//
// Intercom orders nothing and retries once (intercom-api.md §2.6), so an event can arrive late or
// after a newer one, and its time is whole seconds. So in on_close mode no event cancels a pending
// capture (a late reply from before a close, or a late retry of an earlier close, would cancel the
// newer close's capture): the capture job decides from the conversation as it is when it runs
// (src/conversations/close-window.ts): still closed, and closed for a whole grace window since its LAST close. A reopen
// inside the window therefore ends in "open again" when the job runs; a later close moves the job.
// Only a deletion cancels, and the sweep re-checks closes that no capture followed.
import type { CaptureSettings } from '../config/connection-settings.ts';
import { SWEPT_TOPIC } from '../reconcile/reconcile-task.ts';

export type TriggerAction =
  | {
      kind: 'schedule';
      runAt: number;
      keyMode: 'replace' | 'keep';
      why: string;
      /** A capture already running that started at or after this time reads this version or newer: no second one (EnqueueSpec). */
      coveredByRunSince?: number;
    }
  | { kind: 'cancel'; why: string }
  | { kind: 'none'; why: string };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Topics whose change belongs in the HubSpot record: realtime mode refreshes it after each
 * (intercom-api.md §2.4). `conversation.read` changes nothing shown; topics Intercom adds later
 * are left to the sweep, which finds every conversation whose updated_at moved.
 */
const CONTENT_TOPICS = new Set([
  'conversation.user.created',
  'conversation.user.replied',
  'conversation.admin.single.created',
  'conversation.admin.replied',
  'conversation.admin.noted',
  'conversation.operator.replied',
  'conversation.admin.closed',
  'conversation.admin.opened',
  'conversation.admin.snoozed',
  'conversation.admin.unsnoozed',
  'conversation.admin.assigned',
  'conversation.admin.open.assigned',
  'conversation.priority.updated',
  'conversation.rating.added',
  'conversation.contact.attached',
  'conversation.contact.detached',
  'conversation.company.updated',
  'conversation_part.tag.created',
  'conversation_part.redacted',
]);

/**
 * on_close: these mean the conversation is not over (a reopen, a customer message, a snooze: not
 * closing). They do not cancel the pending capture — events come late and out of order — the
 * capture sees the open state when it runs. A deleted conversation cannot be fetched: cancelled.
 */
const ON_CLOSE_REOPENS: ReadonlyMap<string, string> = new Map([
  ['conversation.admin.opened', 'reopened'],
  ['conversation.user.replied', 'the customer wrote again'],
  ['conversation.user.created', 'the customer wrote'],
  ['conversation.admin.snoozed', 'snoozed, so no longer closed'],
]);
const DELETED = 'conversation.deleted';

/**
 * When the event happened: its own time when the notification says, else now. A time ahead of our
 * clock (skew) counts as now, so a window never starts in the future.
 */
export const eventTime = (occurredAt: number | null, now: number) => (occurredAt === null ? now : Math.min(occurredAt, now));

/**
 * The window runs from the event, not from its delivery: a notification Intercom retried a minute
 * later, or one the queue reached late, does not wait a full window again. Never before now.
 */
export const windowEnd = (from: number, minutes: number, now: number) => Math.max(now, from + minutes * MINUTE);

const plural = (count: number, one: string) => `${count} ${one}${count === 1 ? '' : 's'}`;

export function triggerFor(input: { topic: string; occurredAt: number | null; now: number; capture: CaptureSettings }): TriggerAction {
  const { topic, occurredAt, now, capture } = input;
  if (topic === SWEPT_TOPIC) return { kind: 'none', why: 'decided from the fresh conversation' };
  switch (capture.mode) {
    case 'manual':
      return { kind: 'none', why: 'capture is manual: only a push captures' };
    case 'on_close': {
      if (topic === 'conversation.admin.closed') {
        // 'replace': a later close starts the window again from that close.
        const runAt = windowEnd(eventTime(occurredAt, now), capture.graceMinutes, now);
        return { kind: 'schedule', runAt, keyMode: 'replace', why: `closed; captured after a grace window of ${plural(capture.graceMinutes, 'minute')}` };
      }
      if (topic === DELETED) return { kind: 'cancel', why: 'deleted in Intercom' };
      const reopen = ON_CLOSE_REOPENS.get(topic);
      if (reopen !== undefined) return { kind: 'none', why: `${reopen}: a pending capture checks the conversation's state when it runs` };
      return { kind: 'none', why: `${topic} neither closes nor reopens the conversation` };
    }
    case 'realtime': {
      if (topic === DELETED) return { kind: 'cancel', why: 'deleted in Intercom' };
      if (!CONTENT_TOPICS.has(topic)) return { kind: 'none', why: `${topic} changes nothing a capture shows` };
      // Debounce by 'replace': each event pushes the capture back, so a burst of messages is one
      // capture. A conversation that never pauses for the debounce would never be captured this
      // way; a pure function has no first-event time to cap the wait with, and the sweep and
      // rolling captures (rollingDue) cover it: debounces are minutes, pauses in a chat longer.
      const runAt = windowEnd(eventTime(occurredAt, now), capture.realtimeDebounceMinutes, now);
      return { kind: 'schedule', runAt, keyMode: 'replace', why: `changed; captured once quiet for ${plural(capture.realtimeDebounceMinutes, 'minute')}` };
    }
  }
}

/**
 * A conversation found by the reconciliation sweep: catches the close (or change) whose webhook was
 * lost. 'keep': a capture already pending from a webhook is the better-timed one; this only fills a
 * gap. `alreadyCapturedAt` is when this conversation was last captured or decided (skipped too).
 */
export function sweptTrigger(input: {
  state: string | null | undefined;
  lastCloseAt: number | null;
  updatedAt: number;
  now: number;
  capture: CaptureSettings;
  alreadyCapturedAt: number | null;
}): TriggerAction {
  const { state, updatedAt, now, capture, alreadyCapturedAt } = input;
  const after = (time: number) => alreadyCapturedAt === null || time > alreadyCapturedAt;
  switch (capture.mode) {
    case 'manual':
      return { kind: 'none', why: 'capture is manual: only a push captures' };
    case 'on_close': {
      if (state !== 'closed') return { kind: 'none', why: 'not closed' };
      // Without statistics the last change is the latest the close can have been: the window
      // then starts late rather than early.
      const closedAt = input.lastCloseAt ?? updatedAt;
      if (!after(closedAt)) return { kind: 'none', why: 'already captured since its last close' };
      // Intercom's times ahead of our clock count as now, as an event's do (eventTime): a
      // workspace clock hours ahead must not put the capture hours off.
      return { kind: 'schedule', runAt: windowEnd(eventTime(closedAt, now), capture.graceMinutes, now), keyMode: 'keep', coveredByRunSince: updatedAt, why: 'closed and not captured since (found by the sweep)' };
    }
    case 'realtime': {
      if (!after(updatedAt)) return { kind: 'none', why: 'already captured since its last change' };
      return { kind: 'schedule', runAt: windowEnd(eventTime(updatedAt, now), capture.realtimeDebounceMinutes, now), keyMode: 'keep', coveredByRunSince: updatedAt, why: 'changed since the last capture (found by the sweep)' };
    }
  }
}

/**
 * Rolling captures: a conversation still open (or snoozed) `rollingHours` after it started, or
 * after its last capture, is captured again. 0 turns this off. A closed conversation is the
 * close trigger's business, and an unknown state is not assumed to be open. Whether the mode
 * allows rolling captures at all (manual?) is the caller's decision.
 */
export function rollingDue(input: { state: string | null | undefined; createdAt: number; lastCapturedAt: number | null; now: number; rollingHours: number }): boolean {
  const { state, createdAt, lastCapturedAt, now, rollingHours } = input;
  if (rollingHours <= 0) return false;
  if (state !== 'open' && state !== 'snoozed') return false;
  const since = lastCapturedAt === null ? createdAt : Math.max(createdAt, lastCapturedAt);
  return now - since >= rollingHours * HOUR;
}

/** Every Intercom topic a capture decision reacts to (the webhook reaction subscribes to these). */
export const CAPTURE_TOPICS: readonly string[] = [...new Set([...CONTENT_TOPICS, ...ON_CLOSE_REOPENS.keys(), DELETED])];

