// Recording the explainer's trace (migrations/0025): the decisions about one conversation that no
// other table keeps. Two ways in:
// - a decision taken outside a capture run (a webhook's trigger) is written at once (recordTrace);
// - a capture run collects its steps in memory (traceStep: guard verdicts, routing, matching, and
//   every vendor call through src/integrations/call-trace.ts) and the run writes them once, at its
//   end, with the state they describe (src/conversations/conversation-run.ts).
// Recording is cheap and never breaks the work it describes: outside a run traceStep does nothing,
// and a failed write is swallowed (the trace explains; the capture is what matters).
// Ids, names of rules and guards, counts and times only: strings are capped, and anything shaped
// like an email address (a vendor's message may quote one) is masked (DESIGN.md §2, invariant 3).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { traceCalls, type TracedCall } from '../integrations/call-trace.ts';

const TRACE_KINDS = ['trigger', 'guards', 'routing', 'match_lookup', 'api_call', 'run_decided', 'run_failed'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

export interface TraceStep {
  at: number;
  kind: TraceKind;
  detail: Record<string, unknown>;
}

/** A run's steps are bounded: a runaway loop of calls must not turn into a runaway trace. */
const MAX_STEPS_PER_RUN = 200;
const MAX_STRING = 300;
const EMAIL_LIKE = /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[^\s@<>"'(),;:]+/g;

/** A vendor's message as the trace keeps it: short, and with no email address in it. */
const scrubMessage = (message: string): string => message.replace(EMAIL_LIKE, '(email)').slice(0, MAX_STRING);

function capStrings(value: unknown): unknown {
  if (typeof value === 'string') return scrubMessage(value);
  if (Array.isArray(value)) return value.slice(0, 50).map(capStrings);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, capStrings(item)]));
  return value;
}

interface RunCollector {
  steps: TraceStep[];
  now: () => number;
}

const current = new AsyncLocalStorage<RunCollector>();

/** A step of the current run; nothing outside one. Never throws. */
export function traceStep(kind: TraceKind, detail: Record<string, unknown>): void {
  const run = current.getStore();
  if (!run || run.steps.length >= MAX_STEPS_PER_RUN) return;
  try {
    run.steps.push({ at: run.now(), kind, detail: capStrings(detail) as Record<string, unknown> });
  } catch {
    // See the header: the trace never breaks the work.
  }
}

function callStep(call: TracedCall): Record<string, unknown> {
  return {
    service: call.service, method: call.method, family: call.family, status: call.status, durationMs: Math.max(0, Math.round(call.durationMs)), attempt: call.attempt,
    ...(call.failure ? { failure: { kind: call.failure.kind, vendorMessage: call.failure.vendorMessage === null ? null : scrubMessage(call.failure.vendorMessage) } } : {}),
  };
}

export interface TraceRun {
  /** Names this run's steps, so the explainer can group them. */
  readonly id: string;
  readonly steps: TraceStep[];
  /** Runs `work` collecting its steps and vendor calls. */
  collect<T>(work: () => Promise<T>): Promise<T>;
  /** The run's steps and how it ended, ready for recordTrace. */
  finish(kind: 'run_decided' | 'run_failed', detail: Record<string, unknown>): TraceStep[];
}

export function openRun(now: () => number): TraceRun {
  const collector: RunCollector = { steps: [], now };
  const id = randomUUID().slice(0, 8);
  return {
    id,
    steps: collector.steps,
    collect: (work) => current.run(collector, () => traceCalls((call) => traceStep('api_call', callStep(call)), work)),
    finish: (kind, detail) => [...collector.steps, { at: now(), kind, detail: capStrings(detail) as Record<string, unknown> }].map((step) => ({ ...step, detail: { ...step.detail, run: id } })),
  };
}

/**
 * Writes trace steps. Pass the transaction of the state they describe when there is one. A failed
 * write is swallowed and answered false: the trace must not undo or fail the work.
 */
export async function recordTrace(db: Kysely<Database>, connectionId: string, conversationId: string, steps: readonly TraceStep[]): Promise<boolean> {
  if (steps.length === 0) return true;
  try {
    await db
      .insertInto('conversation_trace')
      .values(steps.map((step) => ({ connection_id: connectionId, conversation_id: conversationId, at: step.at, kind: step.kind, detail: JSON.stringify(capStrings(step.detail)) })))
      .execute();
    return true;
  } catch {
    return false;
  }
}

/** The retention purge (the activity log's retention): steps older than `olderThan` go. */
export async function purgeTrace(db: Kysely<Database>, olderThan: number): Promise<number> {
  const result = await db.deleteFrom('conversation_trace').where('at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
