// The conversations backfill: Intercom conversations closed between two dates, a page at a time,
// each through the capture path (src/capture/capture-conversation.ts) with its guards, routing and
// matching, and deduplicated as a live capture is — a conversation captured before gets its note
// updated or left as it is, never a second one. So a redone page writes nothing twice.
import type { CaptureDeps } from '../capture/capture-conversation.ts';
import { CaptureRefusedError, captureConversation } from '../capture/capture-conversation.ts';
import type { ConnectionClients } from '../connections/clients.ts';
import type { SearchQuery } from '../integrations/intercom/search-query.ts';
import { NeedsReauthError, RetryAfterError } from '../jobs/outcomes.ts';
import { toJobOutcomeError } from '../jobs/upstream-outcome.ts';
import { noCounts, type BackfillCounts, type RunBackfillPage } from './backfill-kind.ts';

/**
 * Conversations per page: each capture costs several calls (a GET of the conversation, matching,
 * the note), so a page is a few minutes of work at most, and a redone page little.
 */
const PAGE_SIZE = 20;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** How far `timeZone`'s wall clock is ahead of UTC at `at` (epoch ms). */
function zoneOffsetMs(timeZone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - (at - (((at % 1000) + 1000) % 1000));
}

/** The instant a day (YYYY-MM-DD) starts in `timeZone`, epoch ms. */
function startOfDay(date: string, timeZone: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, day);
  // Twice: the offset at the guessed instant may differ from the offset at the answer (a DST change).
  const guess = wall - zoneOffsetMs(timeZone, wall);
  return wall - zoneOffsetMs(timeZone, guess);
}

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/**
 * The close times the backfill takes, Unix seconds, both ends inclusive. A date (YYYY-MM-DD) is a
 * whole day in the connection's time zone — closedTo's day included; a date-time with its offset
 * is that instant.
 */
export function closeRange(closedFrom: string, closedTo: string, timeZone: string): { from: number; to: number } {
  const from = DATE_ONLY.test(closedFrom) ? startOfDay(closedFrom, timeZone) : Date.parse(closedFrom);
  const to = DATE_ONLY.test(closedTo) ? startOfDay(nextDay(closedTo), timeZone) - 1000 : Date.parse(closedTo);
  return { from: Math.floor(from / 1000), to: Math.floor(to / 1000) };
}

/**
 * Closed conversations whose last close lies in the range. `statistics.last_close_at` is searchable,
 * a Unix date, and `>`/`<` are "greater (or equal)" / "lower (or equal)" for conversations
 * (S14 #/paths/~1conversations~1search/post/description; intercom-api.md §3.5). `state = closed`
 * leaves out a conversation reopened since: it is captured at its next close. Sorted by created_at,
 * which never changes, so a conversation updated during the walk is neither repeated nor missed
 * (D-pag: search is stateless; `sort` per D-pag, §3.5).
 */
export function closedBetweenQuery(range: { from: number; to: number }): SearchQuery {
  return {
    operator: 'AND',
    value: [
      { field: 'statistics.last_close_at', operator: '>', value: range.from },
      { field: 'statistics.last_close_at', operator: '<', value: range.to },
      { field: 'state', operator: '=', value: 'closed' },
    ],
  };
}

/** A failure that is about the whole walk, not this conversation: the page stops and its job waits or parks. */
function stopsThePage(error: unknown): unknown {
  if (error instanceof CaptureRefusedError) {
    if (error.code === 'needs_reauth') return new NeedsReauthError(error.message);
    // The connection was paused or disconnected mid-page: the page is done again later.
    if (error.code !== 'unknown_conversation') return new RetryAfterError(5 * 60_000, error.message);
    return undefined;
  }
  const outcome = toJobOutcomeError(error);
  return outcome instanceof RetryAfterError || outcome instanceof NeedsReauthError ? outcome : undefined;
}

/**
 * How a capture's outcome counts. A conversation a guard or the routing stops ('skipped') counts as
 * unchanged: nothing was written for it, and `skippedByFilter` keeps its meaning of a record filter
 * (#18 item 2), which conversations do not have. Its activity entry names the guard.
 */
const COUNTED_AS: Record<'captured' | 'updated' | 'unchanged' | 'skipped', keyof BackfillCounts> = {
  captured: 'created',
  updated: 'updated',
  unchanged: 'unchanged',
  skipped: 'unchanged',
};

export function conversationBackfillPage(deps: { capture: CaptureDeps; clients: ConnectionClients }): RunBackfillPage {
  return async ({ row, backfill, cursor, signal }) => {
    if (backfill.closedFrom === null || backfill.closedTo === null) throw new Error(`backfill ${backfill.id} has no close dates`);
    const range = closeRange(backfill.closedFrom, backfill.closedTo, row.settings.timeZone);
    const pages = deps.clients.intercom(row).searchConversationPages(closedBetweenQuery(range), {
      perPage: PAGE_SIZE, sort: { field: 'created_at', order: 'ascending' }, ...(cursor !== null ? { startingAfter: cursor } : {}),
    });
    const first = await pages.next();
    await pages.return(undefined);
    const page = first.done ? { items: [], next: undefined } : first.value;

    const counts = noCounts();
    for (const conversation of page.items) {
      signal.throwIfAborted();
      try {
        const result = await captureConversation(deps.capture, row.id, conversation.id, {
          trigger: 'backfill',
          // A failure of one conversation is its last word (the backfill goes on): the activity log has it.
          isFinal: (error) => stopsThePage(error) === undefined,
        });
        if (result.outcome !== 'planned') counts[COUNTED_AS[result.outcome]] += 1;
      } catch (error) {
        const stop = stopsThePage(error);
        if (stop !== undefined) throw stop;
        // Gone from Intercom since the search found it: nothing to capture.
        if (error instanceof CaptureRefusedError) counts.unchanged += 1;
        else counts.failed += 1;
      }
    }
    return {
      cursor: page.next ?? null,
      counts,
      ...(page.total !== undefined ? { total: { value: page.total, estimate: false } } : {}),
    };
  };
}
