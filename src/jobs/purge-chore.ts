// The job table's periodic chore: purge finished jobs past their retention.
import { purgeActivity } from '../activity/activity-log.ts';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Chore } from '../chores.ts';
import type { Config } from '../config/schema.ts';
import type { Database } from '../db/schema.ts';
import { purgeFinishedJobs } from './introspect.ts';

const DAY_MS = 86_400_000;

export function jobChores(db: Kysely<Database>, jobs: Config['jobs'], clock: () => number, log: Logger): Chore[] {
  return [
    {
      name: 'purge-finished-jobs',
      schedule: '41 * * * *',
      async run() {
        const purged = await purgeFinishedJobs(db, {
          now: clock(),
          keepSucceededMs: jobs.keepSucceededDays * DAY_MS,
          keepFailedMs: jobs.keepFailedDays * DAY_MS,
        });
        if (purged > 0) log.info({ purged }, 'old finished jobs purged');
      },
    },
    {
      name: 'purge-activity',
      schedule: '47 3 * * *',
      async run() {
        const purged = await purgeActivity(db, clock() - jobs.keepActivityDays * DAY_MS);
        if (purged > 0) log.info({ purged }, 'old activity entries purged');
      },
    },
  ];
}
