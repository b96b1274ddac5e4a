// Jobs not finished yet, as the conversation explainer reads them: the job that holds a key (queued,
// parked or running) with what a person reads about it — when it runs, its attempts and its last
// error (an index seek on jobs_unfinished_key, migrations/0012) — and the payloads of a task's jobs
// that name an object (its deliveries not worked yet).
import { sql, type Kysely } from 'kysely';
import type { Database, JobRow } from '../db/schema.ts';

export type UnfinishedJob = Pick<JobRow, 'id' | 'task' | 'status' | 'run_at' | 'attempts' | 'max_attempts' | 'last_error' | 'created_at'>;

export async function unfinishedJobWithKey(db: Kysely<Database>, key: string): Promise<UnfinishedJob | undefined> {
  return db
    .selectFrom('jobs')
    .select(['id', 'task', 'status', 'run_at', 'attempts', 'max_attempts', 'last_error', 'created_at'])
    .where('key', '=', key)
    .where('status', 'in', ['queued', 'parked', 'running'])
    .executeTakeFirst();
}

/** LIKE's own characters taken literally (the escape character is a backslash). */
const literalLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The payloads of a connection's jobs of one task, not finished (or failed), whose payload JSON
 * contains `text`: one query for those waiting or failed, through the partial index
 * jobs_problems_by_connection (its WHERE written as the index's, literally, or SQLite will not use
 * it), one for those running (jobs_leases). A connection's finished jobs, days of them, are never
 * read. The explainer finds a conversation's deliveries not worked yet with it. Exported as queries
 * for the query-plan test.
 */
export function payloadsContainingQueries(db: Kysely<Database>, filter: { connectionId: string; task: string; text: string }) {
  const pattern = `%${literalLike(filter.text)}%`;
  const ofTask = db.selectFrom('jobs').select('payload')
    .where('connection_id', '=', filter.connectionId).where('task', '=', filter.task)
    // SQLite's LIKE has no escape character unless named; PostgreSQL's is a backslash already.
    .where(sql<boolean>`payload LIKE ${pattern} ESCAPE '\\'`);
  return [ofTask.where(sql<boolean>`status IN ('failed', 'parked', 'queued')`), ofTask.where('status', '=', 'running')];
}
