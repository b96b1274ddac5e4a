// The shapes of the conversation explainer's API (GET …/explain, POST …/explain/replay), shared with
// the UI through src/http/api-types.ts. Ids, names of rules and guards, counts and times: no text.
import type { ActivityFeedEntry } from '../activity/activity-view.ts';

export type TimelineKind =
  | 'webhook'
  | 'sweep'
  | 'trigger'
  | 'guards'
  | 'routing'
  | 'match_lookup'
  | 'api_call'
  | 'run_decided'
  | 'run_failed'
  | 'activity'
  | 'pending_job'
  | 'pending_close'
  | 'nothing_yet';

export interface TimelineEntry {
  at: number;
  kind: TimelineKind;
  /** One line in plain words. */
  summary: string;
  /** The stored facts behind the line (ids, names, counts, times). */
  detail: Record<string, unknown>;
  /** The capture run the entry belongs to (its steps share it), else null. */
  run: string | null;
  /** A failure: the UI shows it, and the vendor's message, as one. */
  failed: boolean;
}

type HubSpotRecordLink = ActivityFeedEntry['hubspotRecords'][number];

/** What a decision wrote (done) or would write (now). */
export interface CaptureDecisionView {
  /** captured, updated, unchanged, skipped, failed; "nothing" when no decision was taken yet. */
  outcome: 'captured' | 'updated' | 'unchanged' | 'skipped' | 'failed' | 'nothing';
  at: number | null;
  /** Why skipped or failed: the guard or rule, and the sentence. */
  reason: string | null;
  guard: string | null;
  rule: string | null;
  destinations: string[];
  contact: { id: string | null; how: string | null; created: boolean } | null;
  company: { id: string | null; how: string | null; created: boolean } | null;
  ticket: { id: string | null; outcome: string | null } | null;
  noteId: string | null;
  ownerId: string | null;
  /** The fields this decision decided: one a guard stopped never routed nor matched (shown as "—", not compared). */
  decided: string[];
}

export interface ConversationExplanation {
  conversation: { id: string; intercomUrl: string | null };
  connection: { id: string; name: string };
  /** Whether anything about this conversation reached the daemon (a webhook, a sweep, a push). */
  seen: boolean;
  timeline: TimelineEntry[];
  outcome: {
    /** The last decision, as written. */
    decision: CaptureDecisionView;
    /** One line: what was written, or why nothing was. */
    summary: string;
    /** The HubSpot records written or found, with their pages where HubSpot has them. */
    records: HubSpotRecordLink[];
  };
}

export interface DecisionDifference {
  field: string;
  label: string;
  done: string;
  now: string;
}

export interface ReplayResult {
  /** What the last decision did; null when none was taken yet. */
  done: CaptureDecisionView | null;
  /** What a capture with the current settings would do now (a dry run: nothing written). */
  now: CaptureDecisionView;
  /** Each field where the two differ, in plain words. */
  differences: DecisionDifference[];
  /** The dry run's own steps: guards, routing, matching, vendor reads. */
  steps: TimelineEntry[];
}

/** A pasted conversation id or Intercom URL, read (GET /api/conversation-ref). */
export interface ConversationRef {
  conversationId: string;
  /** The workspace a pasted URL names, else null. */
  workspaceId: string | null;
}
