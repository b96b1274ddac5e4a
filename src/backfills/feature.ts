// Backfills ("Sync now", #18 item 3): the page job and the kinds it runs. Records' pages come from
// record sync (src/records/backfill-records.ts); conversations' go through capture.
import type { Feature } from '../feature.ts';
import { recordBackfillPages } from '../records/backfill-records.ts';
import { backfillTasks, keepBackfillsMoving } from './backfill-task.ts';
import { conversationBackfillPage } from './conversation-backfill.ts';

export const backfillsFeature: Feature = {
  name: 'backfills',
  tasks: ({ db, jobs, clock, capture, clients, records }) =>
    backfillTasks({ db, jobs, now: clock, pages: { ...recordBackfillPages({ ...records, jobs }), conversations: conversationBackfillPage({ capture, clients }) } }),
  chores: ({ db, jobs }) => [{ name: 'keep-backfills-moving', schedule: '*/5 * * * *', run: async () => void (await keepBackfillsMoving({ db, jobs })) }],
  atStart: async ({ db, jobs }) => void (await keepBackfillsMoving({ db, jobs })),
};
