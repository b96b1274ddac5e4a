// A migrated SQLite file in a fresh temp dir, closed at teardown.
import { join } from 'node:path';
import { openDb, type SqliteDb } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { makeDataDir, type Teardownable } from './server.ts';

export function makeTestDb(t: Teardownable): SqliteDb {
  const db = openDb(join(makeDataDir(t), 'test.db'));
  migrate(db.sqlite);
  t.teardown(() => db.close());
  return db;
}
