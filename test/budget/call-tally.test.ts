// The last-hour call counts behind the rate-budget meter: per kind, minutes older than an hour drop
// out, and memory stays at 60 buckets however long the process runs.
import t from 'tap';
import { createCallTally } from '../../src/integrations/call-tally.ts';

t.test('counts calls by kind over the last hour only', async (t) => {
  let now = Date.UTC(2026, 11, 4, 10, 0, 0);
  const tally = createCallTally(() => now);
  tally.record('crm.objects.notes.create');
  tally.record('crm.objects.notes.create');
  now += 30 * 60_000;
  tally.record('conversations.get');
  t.same([...tally.lastHour()], [['crm.objects.notes.create', 2], ['conversations.get', 1]]);
  now += 31 * 60_000;
  t.same([...tally.lastHour()], [['conversations.get', 1]], 'the calls of 61 minutes ago are gone');
  // A minute reuses the bucket of the same minute an hour earlier: the old counts do not leak in.
  now = Date.UTC(2026, 11, 4, 12, 0, 0);
  tally.record('conversations.get');
  t.same([...tally.lastHour()], [['conversations.get', 1]]);
  now += 2 * 3_600_000;
  t.same([...tally.lastHour()], [], 'an idle hour reads as no calls');
});
