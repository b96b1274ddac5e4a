// Progress as a person reads it: the rate over the last pages, the ETA from it, and the view.
import t from 'tap';
import type { BackfillRow } from '../../src/backfills/backfill-kind.ts';
import { backfillView, etaSeconds, measuredRatePerMinute } from '../../src/backfills/backfill-progress.ts';

const MIN = 60_000;

t.test('the rate: records per minute between the oldest and newest sample', async (t) => {
  t.equal(measuredRatePerMinute([]), null, 'no samples: unknown');
  t.equal(measuredRatePerMinute([[0, 0]]), null, 'one sample (just started or resumed): unknown');
  t.equal(measuredRatePerMinute([[0, 0], [2 * MIN, 300]]), 150);
  t.equal(measuredRatePerMinute([[0, 100], [MIN, 200], [3 * MIN, 700]]), 200, 'over the whole window, not the last step');
  t.equal(measuredRatePerMinute([[5, 0], [5, 100]]), null, 'no time between samples: unknown, not infinite');
});

t.test('the ETA: what is left at the measured rate', async (t) => {
  t.equal(etaSeconds({ total: 1000, done: 400, ratePerMinute: 120 }), 300);
  t.equal(etaSeconds({ total: 1000, done: 999, ratePerMinute: 7 }), 9, 'rounded up to whole seconds');
  t.equal(etaSeconds({ total: null, done: 400, ratePerMinute: 120 }), null, 'no total: unknown');
  t.equal(etaSeconds({ total: 1000, done: 400, ratePerMinute: null }), null, 'no rate: unknown');
  t.equal(etaSeconds({ total: 1000, done: 400, ratePerMinute: 0 }), null, 'nothing moving: unknown, not infinite');
  t.equal(etaSeconds({ total: 1000, done: 1200, ratePerMinute: 120 }), null, 'past an estimated total: nobody knows what is left');
  t.equal(etaSeconds({ total: 1000, done: 1000, ratePerMinute: 120 }), 0);
});

const backfill = (over: Partial<BackfillRow> = {}): BackfillRow => ({
  id: 'b1', connectionId: 'c1', kind: 'contacts', direction: 'to_hubspot', closedFrom: null, closedTo: null, state: 'running', cursor: 'x',
  total: 20_000, totalIsEstimate: true, counts: { created: 300, updated: 100, unchanged: 50, skippedByFilter: 40, failed: 10 }, pages: 5,
  rateSamples: [[0, 0], [2 * MIN, 500]], startedAt: 0, updatedAt: 2 * MIN, finishedAt: null, lastError: null, ...over,
});

t.test('the view: done is every record dealt with; rate and ETA only while running', async (t) => {
  t.same(backfillView(backfill()), {
    id: 'b1', kind: 'contacts', direction: 'to_hubspot', closedFrom: null, closedTo: null, state: 'running',
    total: 20_000, totalIsEstimate: true, done: 500, created: 300, updated: 100, unchanged: 50, skippedByFilter: 40, failed: 10,
    ratePerMinute: 250, etaSeconds: 78 * 60, startedAt: 0, finishedAt: null, lastError: null,
  });
  t.match(backfillView(backfill({ state: 'paused' })), { ratePerMinute: null, etaSeconds: null, done: 500 });
  t.match(backfillView(backfill({ state: 'done', finishedAt: 3 * MIN })), { ratePerMinute: null, etaSeconds: null, finishedAt: 3 * MIN });
  t.match(backfillView(backfill({ rateSamples: [[0, 0], [3 * MIN, 100]] })), { ratePerMinute: 33.3 }, 'one decimal');
});
