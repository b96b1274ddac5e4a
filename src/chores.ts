// Periodic housekeeping on node-cron. Later issues add owner refresh and token refresh here.
// With several replicas on one PostgreSQL database every replica schedules every chore, and each
// scheduled time is run by one of them: an advisory lock per chore keeps two runs from overlapping,
// and the chore's last scheduled time (chore_ticks) keeps a replica whose cron fires a little later
// from running that time again. The others skip it.
import cron, { type ScheduledTask } from 'node-cron';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from './db/database.ts';
import { advisoryLockKey, withAdvisoryLock } from './db/postgres/advisory-lock.ts';
import { purgeExpiredSessions } from './db/repos/admin-sessions.ts';
import { purgeStaleBudgetSends } from './db/repos/rate-budgets.ts';
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
    {
      name: 'purge-stale-budget-sends',
      schedule: '29 * * * *',
      async run() {
        await purgeStaleBudgetSends(db, clock());
      },
    },
  ];
}

/**
 * Runs a chore for its scheduled time `tick` (epoch ms) unless another replica runs it or has run
 * that time already. Resolves false when it was skipped.
 */
export type ChoreGuard = (chore: Chore, tick: number) => Promise<boolean>;

/** One process per store: nothing to guard. */
const alone: ChoreGuard = async (chore) => {
  await chore.run();
  return true;
};

/**
 * Claims a chore's scheduled time: true when no replica has started this time (or a later one)
 * yet. One statement, so two replicas claiming at once cannot both win.
 */
async function claimTick(db: Kysely<Database>, name: string, tick: number, now: number): Promise<boolean> {
  const claimed = await db
    .insertInto('chore_ticks')
    .values({ name, tick, started_at: now })
    .onConflict((conflict) => conflict.column('name').doUpdateSet({ tick, started_at: now }).where('chore_ticks.tick', '<', tick))
    .returning('name')
    .executeTakeFirst();
  return claimed !== undefined;
}

/**
 * The guard the store needs: on PostgreSQL a session advisory lock per chore name (src/db/postgres/
 * advisory-lock.ts), taken with try-lock so a replica never queues behind another's run — the cron
 * fires on every replica at about the same second, one runs it, the others skip to the next time —
 * and, holding it, the claim of the scheduled time, so a replica that comes after the run ended
 * skips it too. A run that fails keeps its claim: it runs again at its next time, as on SQLite.
 */
export function choreGuard(db: Db, clock: () => number = Date.now): ChoreGuard {
  if (db.dialect !== 'postgres') return alone;
  const pool = db.pool;
  return async (chore, tick) => {
    const locked = await withAdvisoryLock(pool, advisoryLockKey(`chore:${chore.name}`), async () => {
      if (!(await claimTick(db.kysely, chore.name, tick, clock()))) return false;
      await chore.run();
      return true;
    });
    return locked.ran && locked.value;
  };
}

/** The scheduled time node-cron fired for, to the second (replicas' crons agree on it). */
const tickOf = (date: Date) => Math.floor(date.getTime() / 1000) * 1000;

/** Starts the chores; the returned function stops them (awaited at shutdown). */
export function startChores(chores: Chore[], log: Logger, guard: ChoreGuard = alone): () => Promise<void> {
  const tasks: ScheduledTask[] = chores.map((chore) =>
    cron.schedule(
      chore.schedule,
      async (context) => {
        try {
          const ran = await guard(chore, tickOf(context.date));
          if (!ran) log.debug({ chore: chore.name }, 'chore skipped: another replica runs or ran this time');
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
