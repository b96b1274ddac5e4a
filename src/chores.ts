// Periodic housekeeping on node-cron. Later issues add owner refresh and token refresh here.
// With several replicas on one PostgreSQL database every replica schedules every chore, and each
// run is taken by at most one of them at a time (an advisory lock per chore); the others skip it.
import cron, { type ScheduledTask } from 'node-cron';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from './db/database.ts';
import { advisoryLockKey, withAdvisoryLock } from './db/postgres/advisory-lock.ts';
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

/**
 * Runs one chore's run so that no two replicas run it at once. Resolves false when it was skipped
 * because another replica is running it.
 */
export type ChoreGuard = (chore: Chore) => Promise<boolean>;

/** One process per store: nothing to guard. */
const alone: ChoreGuard = async (chore) => {
  await chore.run();
  return true;
};

/**
 * The guard the store needs: on PostgreSQL a session advisory lock per chore name (src/db/postgres/
 * advisory-lock.ts), taken with try-lock so a replica never queues behind another's run — the cron
 * fires on every replica at the same second, one runs it, the others skip to the next time.
 */
export function choreGuard(db: Db): ChoreGuard {
  if (db.dialect !== 'postgres') return alone;
  const pool = db.pool;
  return async (chore) => (await withAdvisoryLock(pool, advisoryLockKey(`chore:${chore.name}`), () => chore.run())).ran;
}

/** Starts the chores; the returned function stops them (awaited at shutdown). */
export function startChores(chores: Chore[], log: Logger, guard: ChoreGuard = alone): () => Promise<void> {
  const tasks: ScheduledTask[] = chores.map((chore) =>
    cron.schedule(
      chore.schedule,
      async () => {
        try {
          const ran = await guard(chore);
          if (!ran) log.debug({ chore: chore.name }, 'chore skipped: another replica is running it');
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
