// The backfills' API shapes (#18 item 3): POST/GET /api/connections/:id/backfills and
// POST …/backfills/:backfillId/{pause|resume|cancel}. The UI imports the types with `import type`;
// src/backfills/ does the work and backfill-progress.ts computes the view.
import { z } from 'zod';
import { BACKFILL_DIRECTIONS as DIRECTIONS, BACKFILL_KINDS as KINDS, BACKFILL_STATES as STATES } from '../../backfills/backfill-kind.ts';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A real calendar day (2026-02-30 is not), or a date-time that names its offset. */
function isIsoDate(value: string): boolean {
  if (DATE_ONLY.test(value)) return new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
  return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

const IsoDate = z.string({ error: 'must be a date (YYYY-MM-DD) or a date-time with its offset' }).refine(isIsoDate, 'must be a date (YYYY-MM-DD) or a date-time with its offset');

/** The last instant a closedTo takes in: a date is its whole day. Time zones aside, which cannot turn the order round. */
const endOf = (value: string) => (DATE_ONLY.test(value) ? Date.parse(`${value}T00:00:00Z`) + 86_399_999 : Date.parse(value));

/**
 * `{ kind: 'contacts'|'companies', direction }` or `{ kind: 'conversations', closedFrom, closedTo }`.
 * Dates are days in the connection's time zone (closedTo's day included), or date-times with offset.
 */
export const StartBackfillBody = z
  .strictObject({
    kind: z.enum(KINDS, { error: `must be one of ${KINDS.join(', ')}` }),
    direction: z.enum(DIRECTIONS, { error: `must be one of ${DIRECTIONS.join(', ')}` }).optional(),
    closedFrom: IsoDate.optional(),
    closedTo: IsoDate.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.kind === 'conversations') {
      if (body.direction !== undefined) ctx.addIssue({ code: 'custom', path: ['direction'], message: 'is only for contacts and companies (conversations go to HubSpot)' });
      if (body.closedFrom === undefined) ctx.addIssue({ code: 'custom', path: ['closedFrom'], message: 'is required for a conversations backfill' });
      if (body.closedTo === undefined) ctx.addIssue({ code: 'custom', path: ['closedTo'], message: 'is required for a conversations backfill' });
      if (body.closedFrom !== undefined && body.closedTo !== undefined && endOf(body.closedTo) < Date.parse(body.closedFrom)) {
        ctx.addIssue({ code: 'custom', path: ['closedTo'], message: 'must not be before closedFrom' });
      }
      return;
    }
    if (body.direction === undefined) ctx.addIssue({ code: 'custom', path: ['direction'], message: `is required for a ${body.kind} backfill: one of ${DIRECTIONS.join(', ')}` });
    for (const key of ['closedFrom', 'closedTo'] as const) {
      if (body[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is only for a conversations backfill' });
    }
  })
  .transform((body) =>
    body.kind === 'conversations'
      ? { kind: body.kind, closedFrom: body.closedFrom ?? '', closedTo: body.closedTo ?? '' }
      : { kind: body.kind, direction: body.direction ?? 'to_hubspot' },
  );
export type StartBackfillBody = z.input<typeof StartBackfillBody>;

const Backfill = z.object({
  id: z.string(),
  kind: z.enum(KINDS),
  direction: z.enum(DIRECTIONS).nullable(),
  closedFrom: z.string().nullable(),
  closedTo: z.string().nullable(),
  state: z.enum(STATES),
  /** Records (or conversations) in the source; an estimate when totalIsEstimate; null until known. */
  total: z.number().nullable(),
  totalIsEstimate: z.boolean(),
  /** created + updated + unchanged + skippedByFilter + failed. */
  done: z.number(),
  created: z.number(),
  updated: z.number(),
  /**
   * Nothing to write. For conversations this includes those a noise guard or the routing stopped
   * (their activity entries name the guard or rule): skippedByFilter counts record filters only.
   */
  unchanged: z.number(),
  skippedByFilter: z.number(),
  failed: z.number(),
  /** Measured over the last few pages while running; null otherwise. */
  ratePerMinute: z.number().nullable(),
  /** (total − done) / rate, while running; null when either is unknown. */
  etaSeconds: z.number().nullable(),
  startedAt: z.number(),
  finishedAt: z.number().nullable(),
  lastError: z.string().nullable(),
});
export type Backfill = z.infer<typeof Backfill>;

/** POST /api/connections/:id/backfills (202) and each pause/resume/cancel. */
export interface BackfillAnswer {
  backfill: Backfill;
}

/** GET /api/connections/:id/backfills: newest first, finished ones kept. */
export interface BackfillList {
  backfills: Backfill[];
}
