// The hourly purge of shared rate-budget send times (src/db/repos/rate-budgets.ts): rows
// of a portal or workspace no longer used would otherwise stay for good; rows still inside any
// window are kept.
import t from 'tap';
import { purgeStaleBudgetSends } from '../../src/db/repos/rate-budgets.ts';
import { eachStore } from '../helpers/postgres.ts';

const HOUR = 3_600_000;

eachStore(t, 'send times older than an hour go; recent ones stay', async (t, db) => {
  const now = 10 * HOUR;
  await db.kysely.insertInto('rate_budget_sends').values([
    { budget_key: 'hubspot:1:burst', sent_at: now - 2 * HOUR },
    { budget_key: 'hubspot:1:burst', sent_at: now - HOUR - 1 },
    { budget_key: 'hubspot:2:burst', sent_at: now - 5_000 },
  ]).execute();
  t.equal(await purgeStaleBudgetSends(db.kysely, now), 2);
  const left = await db.kysely.selectFrom('rate_budget_sends').select(['budget_key', 'sent_at']).execute();
  t.same(left, [{ budget_key: 'hubspot:2:burst', sent_at: now - 5_000 }]);
});
