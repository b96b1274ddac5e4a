// How far a backfill has got, as a person reads it: records done, the rate measured over its last
// few pages, and when it will end at that rate. Pure.
import { doneOf, type BackfillRow } from './backfill-kind.ts';

/**
 * Records per minute between the oldest and the newest sample (the last few pages, never across a
 * pause: resuming starts the samples afresh). Null until two samples lie apart in time.
 */
export function measuredRatePerMinute(samples: ReadonlyArray<readonly [number, number]>): number | null {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last[0] <= first[0]) return null;
  return ((last[1] - first[1]) / (last[0] - first[0])) * 60_000;
}

/**
 * Seconds left at `ratePerMinute`; null when the total or the rate is unknown, or when an estimated
 * total has been passed (the estimate was low: nobody knows what is left).
 */
export function etaSeconds(input: { total: number | null; done: number; ratePerMinute: number | null }): number | null {
  const { total, done, ratePerMinute } = input;
  if (total === null || ratePerMinute === null || ratePerMinute <= 0) return null;
  const remaining = total - done;
  if (remaining < 0) return null;
  return Math.ceil((remaining / ratePerMinute) * 60);
}

/** The API's view of a backfill (src/http/api/backfills.ts Backfill). */
export function backfillView(backfill: BackfillRow) {
  const done = doneOf(backfill.counts);
  const running = backfill.state === 'running';
  const rate = running ? measuredRatePerMinute(backfill.rateSamples) : null;
  return {
    id: backfill.id,
    kind: backfill.kind,
    direction: backfill.direction,
    closedFrom: backfill.closedFrom,
    closedTo: backfill.closedTo,
    state: backfill.state,
    total: backfill.total,
    totalIsEstimate: backfill.totalIsEstimate,
    done,
    ...backfill.counts,
    ratePerMinute: rate === null ? null : Math.round(rate * 10) / 10,
    etaSeconds: running ? etaSeconds({ total: backfill.total, done, ratePerMinute: rate }) : null,
    startedAt: backfill.startedAt,
    finishedAt: backfill.finishedAt,
    lastError: backfill.lastError,
  };
}
