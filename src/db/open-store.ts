// Which store a start uses: database.url names a PostgreSQL database (several replicas share it);
// without one, the SQLite file in the data directory, as always.
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { DATABASE_FILE, openSqlite, type Db } from './database.ts';

/** Job slots, the intake's commits, HTTP requests and chores each hold a connection for a moment. */
const POOL_HEADROOM = 6;

export async function openStore(config: Pick<Config, 'dataDir' | 'database' | 'jobs'>, options: { onIdleError?: (error: Error) => void } = {}): Promise<Db> {
  const url = config.database.url;
  if (url === '') return openSqlite(join(config.dataDir, DATABASE_FILE));
  // Loaded here only. A daemon on SQLite never needs pg: from the sources (`npm start`) its modules
  // are ~5.5 MB resident; in the image's bundle it is a chunk of its own, 260 KB of source less in
  // main.js (idle RSS within the bench's noise: test/bench/RESULTS.md, startup memory).
  const { connectPostgres, openPostgres } = await import('./postgres/open-postgres.ts');
  const db = openPostgres(url, { max: config.jobs.concurrency + POOL_HEADROOM, ...options });
  try {
    await connectPostgres(db, url);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
