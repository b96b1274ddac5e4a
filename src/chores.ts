// Periodic housekeeping on node-cron. Later issues add owner refresh and token refresh here.
import cron, { type ScheduledTask } from 'node-cron';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { purgeExpiredSessions } from './db/repos/admin-sessions.ts';
import type { Database } from './db/schema.ts';

export interface Chore {
  name: string;
  schedule: string;
  run(): Promise<void>;
}

export function foundationChores(db: Kysely<Database>, clock: () => number, log: Logger): Chore[] {
  return [
    {
      name: 'purge-expired-sessions',
      schedule: '17 * * * *',
      async run() {
        const purged = await purgeExpiredSessions(db, clock());
        if (purged > 0) log.info({ purged }, 'expired admin sessions purged');
      },
    },
  ];
}

/** Starts the chores; the returned function stops them (awaited at shutdown). */
export function startChores(chores: Chore[], log: Logger): () => Promise<void> {
  const tasks: ScheduledTask[] = chores.map((chore) =>
    cron.schedule(
      chore.schedule,
      async () => {
        try {
          await chore.run();
        } catch (error) {
          log.error({ err: error, chore: chore.name }, 'chore failed; it runs again at its next time');
        }
      },
      { name: chore.name, noOverlap: true },
    ),
  );
  return async () => {
    await Promise.all(tasks.map((task) => task.destroy()));
  };
}
