// Backfills ("Sync now", #18 item 3): the page job and the kinds it runs. Records' pages come from
// record sync (src/records/backfill-records.ts); conversations' go through capture.
import type { Feature } from '../feature.ts';
import { PermanentJobError } from '../jobs/outcomes.ts';
import type { RunBackfillPage } from './backfill-kind.ts';
import { backfillTasks } from './backfill-task.ts';
import { conversationBackfillPage } from './conversation-backfill.ts';

// Until the record page processors are wired in, a records backfill fails with this sentence.
const recordsNotYet: RunBackfillPage = async () => {
  throw new PermanentJobError('contacts and companies backfills are not available in this build');
};

export const backfillsFeature: Feature = {
  name: 'backfills',
  tasks: ({ db, jobs, clock, capture, clients }) =>
    backfillTasks({ db, jobs, now: clock, pages: { contacts: recordsNotYet, companies: recordsNotYet, conversations: conversationBackfillPage({ capture, clients }) } }),
};
