import t from 'tap';
import { backoffDelay } from '../../src/jobs/backoff.ts';

const policy = { baseMs: 1000, capMs: 60_000 };

t.test('doubles per attempt, between half and all of the ceiling', async (t) => {
  t.same([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 0)), [500, 1000, 2000, 4000], 'lowest jitter');
  t.same([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 1)), [1000, 2000, 4000, 8000], 'highest jitter');
});

t.test('capped, also for absurd attempt counts', async (t) => {
  t.equal(backoffDelay(7, policy, () => 1), 60_000);
  t.equal(backoffDelay(1000, policy, () => 1), 60_000);
  t.equal(backoffDelay(1000, policy, () => 0), 30_000);
});

t.test('jitter spreads jobs that failed together', async (t) => {
  const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, policy)));
  t.ok(delays.size > 10, `${delays.size} distinct delays out of 50`);
  for (const delay of delays) t.ok(delay >= 8000 && delay <= 16_000);
});
