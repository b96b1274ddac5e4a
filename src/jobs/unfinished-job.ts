// The job that holds a key and is not finished yet (queued, parked or running), with what a person
// reads about it: when it runs, its attempts and its last error. The conversation explainer shows a
// capture's pending job with it. An index seek on jobs_unfinished_key (migrations/0012).
import type { Kysely } from 'kysely';
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
