// What a backfill kind plugs into the framework (backfill-task.ts): a function that does ONE page of
// its source from a stored cursor and says what it did. The framework owns everything around it —
// the row, the job, the counts, pause/resume/cancel, the rate — so a kind only pages and counts.
//
// A page may be run twice: a restart or a SIGKILL between the page's effects and the commit of its
// counts redoes it from the same cursor. So a page must be idempotent (look before writing; the
// records' pairs and the capture's note links make a redone write an update or nothing).
import type { Connection } from '../db/repos/connections.ts';

export const BACKFILL_KINDS = ['contacts', 'companies', 'conversations'] as const;
export type BackfillKind = (typeof BACKFILL_KINDS)[number];

export const BACKFILL_DIRECTIONS = ['to_hubspot', 'to_intercom'] as const;
export type BackfillDirection = (typeof BACKFILL_DIRECTIONS)[number];

export const BACKFILL_STATES = ['running', 'paused', 'cancelled', 'done', 'failed'] as const;
export type BackfillState = (typeof BACKFILL_STATES)[number];

export interface BackfillCounts {
  created: number;
  updated: number;
  unchanged: number;
  skippedByFilter: number;
  failed: number;
}

/** A backfill as its store reads it (backfill-store.ts; migrations/0030). */
export interface BackfillRow {
  id: string;
  connectionId: string;
  kind: BackfillKind;
  /** Records only; null for conversations. */
  direction: BackfillDirection | null;
  /** Conversations only: the close dates as given (ISO dates). */
  closedFrom: string | null;
  closedTo: string | null;
  state: BackfillState;
  /** Where the next page starts; null before the first page. Opaque to the framework. */
  cursor: string | null;
  total: number | null;
  totalIsEstimate: boolean;
  counts: BackfillCounts;
  /** Pages finished. */
  pages: number;
  /** [epoch ms, records done] at the last few pages, and at the start or the last resume. */
  rateSamples: Array<[number, number]>;
  startedAt: number;
  updatedAt: number;
  finishedAt: number | null;
  lastError: string | null;
}

export interface BackfillPage {
  /** Where the next page starts; null when the source is exhausted. Opaque to the framework. */
  cursor: string | null;
  counts: BackfillCounts;
  /** The source's size when known (Intercom total_count, HubSpot search total), or an estimate. */
  total?: { value: number; estimate: boolean };
}

export interface BackfillPageInput {
  row: Connection;
  backfill: BackfillRow;
  /** The stored cursor: null for the first page. */
  cursor: string | null;
  /** Aborted when the job's run is given up (shutdown, lost lease): stop between records. */
  signal: AbortSignal;
}

export type RunBackfillPage = (input: BackfillPageInput) => Promise<BackfillPage>;

/** Each kind's page. Records' are src/records/backfill-records.ts (recordBackfillPages); conversations' is conversation-backfill.ts. */
export type BackfillPages = Record<BackfillKind, RunBackfillPage>;

export const noCounts = (): BackfillCounts => ({ created: 0, updated: 0, unchanged: 0, skippedByFilter: 0, failed: 0 });

export const addCounts = (a: BackfillCounts, b: BackfillCounts): BackfillCounts => ({
  created: a.created + b.created,
  updated: a.updated + b.updated,
  unchanged: a.unchanged + b.unchanged,
  skippedByFilter: a.skippedByFilter + b.skippedByFilter,
  failed: a.failed + b.failed,
});

/** Records done: every record a page has dealt with, whatever became of it. */
export const doneOf = (counts: BackfillCounts): number => counts.created + counts.updated + counts.unchanged + counts.skippedByFilter + counts.failed;
