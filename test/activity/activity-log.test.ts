// The activity log: newest first with paging and filters; entries past the retention are purged;
// a detail that could be carrying text is refused.
import t from 'tap';
import { listActivity, purgeActivity, recordActivity } from '../../src/activity/activity-log.ts';
import { eachStore } from '../helpers/postgres.ts';

const DAY = 86_400_000;

eachStore(t, 'list, filter, page, purge', async (t, { kysely }) => {
  await kysely.insertInto('connections').values({ id: 'c1', name: 'C', status: 'active', managed_by_config: 0, created_at: 0, updated_at: 0 }).execute();
  const now = 100 * DAY;
  for (let i = 0; i < 5; i++) {
    await recordActivity(kysely, { connectionId: 'c1', at: now - i * 40 * DAY, kind: 'capture', subjectId: `conv${i}`, outcome: i % 2 ? 'skipped' : 'captured', reason: i % 2 ? 'min_duration' : null, detail: { noteId: String(i) } });
  }
  const all = await listActivity(kysely, { connectionId: 'c1' });
  t.same(all.map((row) => row.subject_id), ['conv4', 'conv3', 'conv2', 'conv1', 'conv0'], 'the newest entry first');
  t.same((await listActivity(kysely, { connectionId: 'c1', outcome: 'skipped' })).map((row) => row.reason), ['min_duration', 'min_duration']);
  const page = await listActivity(kysely, { connectionId: 'c1', limit: 2 });
  t.same((await listActivity(kysely, { connectionId: 'c1', before: page.at(-1)?.id, limit: 2 })).map((row) => row.subject_id), ['conv2', 'conv1']);
  t.equal(await purgeActivity(kysely, now - 90 * DAY), 2, 'the entries older than 90 days go');
  t.same((await listActivity(kysely, { connectionId: 'c1' })).map((row) => row.subject_id), ['conv2', 'conv1', 'conv0']);
});

eachStore(t, 'a long string in the detail is refused: details carry ids and counts, never content', async (t, { kysely }) => {
  await t.rejects(recordActivity(kysely, { connectionId: null, at: 0, kind: 'capture', subjectId: null, outcome: 'captured', detail: { body: 'x'.repeat(400) } }), /detail\.body is 400 characters/);
});
