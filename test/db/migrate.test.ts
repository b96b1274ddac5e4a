import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { openDb } from '../../src/db/database.ts';
import { isMigrated, migrate, readMigrations } from '../../src/db/migrate.ts';
import { StartupError } from '../../src/startup-error.ts';
import { makeDataDir } from '../helpers/server.ts';

t.test('opens with WAL, foreign keys and a busy timeout', async (t) => {
  const db = openDb(join(makeDataDir(t), 'x.db'));
  t.teardown(() => db.close());
  t.equal(db.sqlite.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(db.sqlite.pragma('foreign_keys', { simple: true }), 1);
  t.equal(db.sqlite.pragma('busy_timeout', { simple: true }), 5000);
});

t.test('the real migrations apply in order, are recorded, and run once', async (t) => {
  const db = openDb(join(makeDataDir(t), 'x.db'));
  t.teardown(() => db.close());
  const migrations = readMigrations();
  t.ok(migrations.length >= 1);
  t.same(migrations.map((m) => m.id), [...migrations.map((m) => m.id)].sort(), 'sorted by number');
  t.notOk(isMigrated(db.sqlite, migrations), 'a fresh database is not migrated');
  const first = migrate(db.sqlite, migrations, () => 1000);
  t.same(first.applied, migrations.map((m) => m.id));
  t.ok(isMigrated(db.sqlite, migrations));
  t.same(migrate(db.sqlite, migrations).applied, [], 'a second start applies nothing');
  const rows = db.sqlite.prepare('SELECT id, applied_at FROM schema_migrations ORDER BY id').all();
  t.same(rows, migrations.map((m) => ({ id: m.id, applied_at: 1000 })));
});

t.test('a later migration applies on top, in order, each in its own transaction', async (t) => {
  const dir = makeDataDir(t);
  const migrationsDir = join(dir, 'migrations');
  mkdirSync(migrationsDir);
  writeFileSync(join(migrationsDir, '0002_second.sql'), 'INSERT INTO a (v) VALUES (2);');
  writeFileSync(join(migrationsDir, '0001_first.sql'), 'CREATE TABLE a (v INTEGER); INSERT INTO a (v) VALUES (1);');
  writeFileSync(join(migrationsDir, '0003_broken.sql'), 'INSERT INTO a (v) VALUES (3); INSERT INTO nope VALUES (1);');
  writeFileSync(join(migrationsDir, 'README.md'), 'not a migration');
  const db = openDb(join(dir, 'x.db'));
  t.teardown(() => db.close());
  t.throws(() => migrate(db.sqlite, readMigrations(migrationsDir)), /no such table: nope/);
  t.same(db.sqlite.prepare('SELECT v FROM a ORDER BY v').all(), [{ v: 1 }, { v: 2 }], 'the broken migration left nothing behind');
  t.same(
    (db.sqlite.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as { id: string }[]).map((r) => r.id),
    ['0001_first', '0002_second'],
  );
});

t.test('a database newer than the code is refused with a clear message', async (t) => {
  const db = openDb(join(makeDataDir(t), 'x.db'));
  t.teardown(() => db.close());
  migrate(db.sqlite);
  db.sqlite.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run('9999_from_the_future', 1);
  const error = t.throws(() => migrate(db.sqlite));
  t.ok(error instanceof StartupError);
  t.match((error as Error).message, /written by a newer version of Interhubz \(it has migration 9999_from_the_future/);
});
