// migrate-store end to end: an installation's SQLite file — filled by the real daemon (a sandbox
// connection with sealed credentials, a captured conversation, jobs, deliveries, activity, a
// session), then one generated row in every table still empty — is copied into PostgreSQL: every
// table's count and every row equal column by column, identities continue past the copied ids, and
// a daemon on the copy with the same vault key reads the connection's credentials. Refusals: a
// target holding data (named), a source from another version, different schemas, a file that is not
// an Interhubz database. A source written during the copy yields the snapshot; a count that differs
// commits nothing. The command itself: exit codes, and the URL's password in no output.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SQLite from 'better-sqlite3';
import t, { type Test } from 'tap';
import { appPath } from '../../src/app-root.ts';
import { buildDaemon } from '../../src/daemon.ts';
import { DATABASE_FILE, openDb, type PostgresDb } from '../../src/db/database.ts';
import { hashPlainRecordLinks } from '../../src/db/hash-record-links.ts';
import { migrateStore, type MigrateStoreOptions } from '../../src/db/migrate-store/migrate-store.ts';
import { connectionOwner, getCredential } from '../../src/db/repos/credentials.ts';
import { createLogger } from '../../src/log.ts';
import { createMatchKeyHasher } from '../../src/matching/match-key.ts';
import { captureScenario } from '../helpers/capture-scenario.ts';
import { testConfig } from '../helpers/config.ts';
import { makeTestDb } from '../helpers/db.ts';
import { makeTestPgDb } from '../helpers/postgres.ts';
import { makeDataDir, TEST_PASSWORD_HASH_COST } from '../helpers/server.ts';

const run = promisify(execFile);
const KEY = randomBytes(32).toString('base64');

function migrate(options: Omit<MigrateStoreOptions, 'version'> & { lines?: string[] }) {
  const { lines, ...rest } = options;
  return migrateStore({ version: '9.9.9-test', say: (line) => lines?.push(line), ...rest });
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function tablesOf(sqlite: SQLite.Database): string[] {
  return (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

/**
 * One row in each table that has none, made from the schema: a column's CHECK (x IN (…)) gives its
 * value, json_valid gives '{}', a LIKE 'h1:%' key a hashed-looking one, a foreign key a row of the
 * table it names (filled first), a column with a DEFAULT that; otherwise INTEGER a value past 2^32, TEXT a JSON object with quotes
 * and non-ASCII letters. A table a future migration adds gets its row too, or fails here saying why.
 */
function fillEveryEmptyTable(sqlite: SQLite.Database): string[] {
  const filled: string[] = [];
  const empty = () => tablesOf(sqlite).filter((table) => table !== 'schema_migrations' && sqlite.prepare(`SELECT 1 FROM ${quote(table)} LIMIT 1`).get() === undefined);
  for (let pending = empty(); pending.length > 0; ) {
    const before = pending.length;
    for (const table of pending) {
      const fks = sqlite.prepare(`PRAGMA foreign_key_list(${quote(table)})`).all() as { table: string; from: string; to: string }[];
      if (fks.some((fk) => sqlite.prepare(`SELECT 1 FROM ${quote(fk.table)} LIMIT 1`).get() === undefined)) continue;
      const ddl = (sqlite.prepare("SELECT sql FROM sqlite_master WHERE name = ?").get(table) as { sql: string }).sql;
      const columns = sqlite.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string; type: string; pk: number; dflt_value: string | null }[];
      const rowid = columns.filter((c) => c.pk > 0).length === 1 ? columns.find((c) => c.pk > 0 && c.type.toUpperCase() === 'INTEGER') : undefined;
      const values: Record<string, unknown> = {};
      for (const column of columns) {
        // The daemon reads some defaults back as JSON ('[]'): a column with one keeps it.
        if (column === rowid || column.dflt_value !== null) continue;
        const fk = fks.find((f) => f.from === column.name);
        const oneOf = new RegExp(`CHECK\\s*\\(\\s*${column.name}\\s+IN\\s*\\(\\s*('[^']*'|\\d+)`, 'i').exec(ddl)?.[1];
        if (fk) values[column.name] = (sqlite.prepare(`SELECT ${quote(fk.to)} AS v FROM ${quote(fk.table)} LIMIT 1`).get() as { v: unknown }).v;
        else if (oneOf !== undefined) values[column.name] = oneOf.startsWith("'") ? oneOf.slice(1, -1) : Number(oneOf);
        else if (new RegExp(`json_valid\\(${column.name}\\)`, 'i').test(ddl)) values[column.name] = '{"generated":true}';
        else if (new RegExp(`${column.name}\\s+LIKE\\s+'h1:%'`, 'i').test(ddl)) values[column.name] = `h1:generated-${table}`;
        else if (/INT/i.test(column.type)) values[column.name] = 4_300_000_000_123;
        else if (/REAL|FLOA|DOUB/i.test(column.type)) values[column.name] = 2.5;
        else if (/BLOB/i.test(column.type)) values[column.name] = Buffer.from([0, 1, 2, 255]);
        // JSON, since the daemon parses some text columns (a channel's settings) when it starts on the copy.
        else values[column.name] = JSON.stringify({ generated: `${table}.${column.name} — “quoted” 'single' Zoë` });
      }
      const names = Object.keys(values);
      sqlite.prepare(`INSERT INTO ${quote(table)} (${names.map(quote).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(...names.map((n) => values[n]));
      filled.push(table);
    }
    pending = empty();
    if (pending.length === before) throw new Error(`no row could be generated for ${pending.join(', ')} (their foreign keys name empty tables)`);
  }
  return filled;
}

/** Every row of a table, each as an object, sorted: both stores' answers compare with strictSame. */
function sortedRows(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const key = (row: Record<string, unknown>) => JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : (v as { type?: string; data?: number[] })?.type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('hex') : v));
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

const pgRows = async (db: PostgresDb, table: string) => (await db.pool.query<Record<string, unknown>>(`SELECT * FROM ${quote(table)}`)).rows;
const pgCount = async (db: PostgresDb, table: string) => Number((await db.pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${quote(table)}`)).rows[0]?.n);

/** A migrated SQLite file as a started daemon leaves it (0013's plain links hashed), closed. */
function plainSource(t: Test, fill?: (sqlite: SQLite.Database) => void): string {
  const db = makeTestDb(t);
  hashPlainRecordLinks(db.sqlite, createMatchKeyHasher(randomBytes(32)));
  fill?.(db.sqlite);
  return db.path;
}

t.test('a live installation: every table copied row for row, ids continue, and a daemon on the copy reads the sealed credentials with the same key', { timeout: 240_000 }, async (t) => {
  // The real daemon writes its state: admin user and session, a sandbox connection with sealed
  // credentials, a conversation captured into a note (jobs, deliveries, activity, trace, pairs, links).
  const s = await captureScenario(t, { secretKey: KEY });
  const { conversationId } = s.conversation();
  const pushed = await s.push(conversationId);
  t.equal(pushed.status, 200, JSON.stringify(pushed.body));
  t.equal(pushed.body?.outcome, 'captured');
  const daemon = s.server.daemon;
  const kinds = await daemon.db.kysely.selectFrom('credentials').select('kind').where('owner', '=', connectionOwner(s.connectionId)).execute();
  t.ok(kinds.length > 0, 'the sandbox connection has credentials');
  const secrets = new Map<string, string | undefined>();
  for (const { kind } of kinds) secrets.set(kind, (await getCredential(daemon.db.kysely, daemon.vault, connectionOwner(s.connectionId), kind))?.value);
  await daemon.close();

  const path = join(s.server.dataDir, DATABASE_FILE);
  const source = openDb(path);
  t.teardown(() => source.close());
  const generated = fillEveryEmptyTable(source.sqlite);
  t.comment(`rows generated for ${generated.length} tables the scenario left empty: ${generated.join(', ')}`);
  // An AUTOINCREMENT id is never reused in SQLite, even after its row is deleted: nor on PostgreSQL.
  const audit = source.sqlite.prepare("INSERT INTO audit_log (at, actor_kind, actor_name, action) VALUES (1, 'config', 'yaml', 'x')");
  const dropped = Number(audit.run().lastInsertRowid) + 1;
  audit.run();
  source.sqlite.prepare('DELETE FROM audit_log WHERE id = ?').run(dropped);

  const target = await makeTestPgDb(t);
  const lines: string[] = [];
  const result = await migrate({ sourcePath: path, targetUrl: target.url, lines });
  t.ok(result.copied, 'committed');
  const output = lines.join('\n');
  t.match(output, /Changes written to it after that instant are not copied: stop the daemon/);
  t.match(output, /Every replica needs the vault key the old container had: the same\nINTERHUBZ_SECRET_KEY/);
  t.match(output, /^table\s+source\s+target$/m, 'the table of counts');
  t.notMatch(output, /MISMATCH/);

  const tables = tablesOf(source.sqlite);
  t.same(result.counts.map((c) => c.table).sort(), tables, 'a count for every table');
  for (const table of tables) {
    const count = Number((source.sqlite.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as { n: number }).n);
    t.ok(count > 0, `${table} has rows to copy`);
    t.equal(await pgCount(target, table), count, `${table}: ${count} rows on both`);
    if (table === 'schema_migrations') {
      // Each side records when it applied them: the ids are what must agree.
      t.same((await pgRows(target, table)).map((r) => r.id).sort(), (source.sqlite.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]).map((r) => r.id).sort());
      continue;
    }
    // Numbers come back as numbers, text as text, blobs as bytes, NULLs as null: strictly equal.
    t.strictSame(sortedRows(await pgRows(target, table)), sortedRows(source.sqlite.prepare(`SELECT * FROM ${quote(table)}`).all() as Record<string, unknown>[]), `${table}: every row equal column by column`);
  }

  const maxId = async (table: string) => Number((await target.pool.query<{ m: number }>(`SELECT max(id) AS m FROM ${quote(table)}`)).rows[0]?.m);
  const activityMax = await maxId('activity');
  const inserted = await target.kysely.insertInto('activity').values({ at: 1, kind: 'after-migration', outcome: 'captured' }).returning('id').executeTakeFirstOrThrow();
  t.ok(inserted.id > activityMax, `a new activity row gets id ${inserted.id}, past the copied ${activityMax}`);
  const jobsMax = await maxId('jobs');
  const job = await target.pool.query<{ id: number }>("INSERT INTO jobs (task, payload, run_at, max_attempts, created_at, updated_at) VALUES ('x', '{}', 1, 1, 1, 1) RETURNING id");
  t.ok((job.rows[0]?.id ?? 0) > jobsMax, 'a new job too');
  const auditRow = await target.kysely.insertInto('audit_log').values({ at: 2, actor_kind: 'config', actor_name: 'yaml', action: 'y' }).returning('id').executeTakeFirstOrThrow();
  t.equal(auditRow.id, dropped + 1, 'an audit entry continues past the deleted id, as SQLite would have');
  await target.pool.query("DELETE FROM activity WHERE kind = 'after-migration'");
  await target.pool.query("DELETE FROM jobs WHERE task = 'x'");

  // The daemon on the copy: the vault key check passes and the sealed credentials open.
  const config = testConfig(makeDataDir(t), { database: { url: target.url }, admin: { password: 'correct horse battery staple' } });
  const onPostgres = await buildDaemon({ config, log: createLogger('silent'), secretKey: KEY, startScheduler: false, passwordHashCost: TEST_PASSWORD_HASH_COST });
  try {
    t.equal(onPostgres.db.dialect, 'postgres');
    for (const [kind, value] of secrets) {
      t.equal((await getCredential(onPostgres.db.kysely, onPostgres.vault, connectionOwner(s.connectionId), kind))?.value, value, `credential ${kind} opens on PostgreSQL`);
    }
  } finally {
    await onPostgres.close();
  }
  const otherKey = testConfig(makeDataDir(t), { database: { url: target.url }, admin: { password: 'correct horse battery staple' } });
  await t.rejects(
    buildDaemon({ config: otherKey, log: createLogger('silent'), secretKey: randomBytes(32).toString('base64'), startScheduler: false, passwordHashCost: TEST_PASSWORD_HASH_COST }),
    /is not the key this database was created with/,
    'another key is refused',
  );
});

t.test('a source written during the copy: the target holds the snapshot, none of the later writes', async (t) => {
  const path = plainSource(t, (sqlite) => {
    const insert = sqlite.prepare("INSERT INTO activity (at, kind, outcome) VALUES (?, 'before', 'captured')");
    sqlite.transaction(() => {
      for (let i = 0; i < 2500; i++) insert.run(i);
    })();
    sqlite.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('test.writes', '0', 0)").run();
    sqlite.prepare("INSERT INTO connections (id, name, created_at, updated_at) VALUES ('c1', 'One', 1, 1)").run();
  });
  // Another connection (a daemon's) writes between the batches into tables copied before activity
  // (admin_sessions, webhook_unrouted_counts, settings), activity itself, and one copied after it
  // (connection_warnings): a copy that read each table afresh would hold the later writes.
  const writer = openDb(path);
  t.teardown(() => writer.close());
  let writes = 0;
  const write = writer.sqlite.transaction(() => {
    writes += 1;
    writer.sqlite.prepare("INSERT INTO activity (at, kind, outcome) VALUES (?, 'during', 'captured')").run(writes);
    writer.sqlite.prepare("INSERT INTO admin_sessions (token_hash, username, csrf_token, created_at, expires_at, last_seen_at) VALUES (?, 'during', 'c', 1, 2, 1)").run(`during-${writes}`);
    writer.sqlite.prepare("INSERT INTO webhook_unrouted_counts (provider, day, count) VALUES ('intercom', ?, 1)").run(`during-${writes}`);
    writer.sqlite.prepare("INSERT INTO connection_warnings (connection_id, code, message, raised_at) VALUES ('c1', ?, 'm', 1)").run(`during-${writes}`);
    writer.sqlite.prepare("UPDATE settings SET value = ? WHERE key = 'test.writes'").run(String(writes));
  });
  const target = await makeTestPgDb(t);
  const result = await migrate({ sourcePath: path, targetUrl: target.url, batchRows: 100, onBatch: () => write() });
  t.ok(result.copied);
  t.ok(writes >= 25, `the source was written ${writes} times during the copy`);
  t.equal(Number((writer.sqlite.prepare("SELECT count(*) AS n FROM activity WHERE kind = 'during'").get() as { n: number }).n), writes, 'and holds those writes');
  t.equal(await pgCount(target, 'activity'), 2500, 'the target has the activity of the snapshot');
  t.same((await target.pool.query("SELECT count(*) AS n FROM activity WHERE kind = 'during'")).rows, [{ n: 0 }]);
  t.equal(await pgCount(target, 'admin_sessions'), 0, 'no session written after the snapshot');
  t.equal(await pgCount(target, 'webhook_unrouted_counts'), 0, 'no count written after the snapshot');
  t.equal(await pgCount(target, 'connection_warnings'), 0, 'no warning written after the snapshot, in a table copied after the writes began');
  t.same((await target.pool.query("SELECT value FROM settings WHERE key = 'test.writes'")).rows, [{ value: '0' }], 'the setting as it was');
  t.same(result.counts.find((c) => c.table === 'activity'), { table: 'activity', source: 2500, target: 2500 });
});

t.test('a target that already holds data is refused, naming the table, and left as it was', async (t) => {
  const path = plainSource(t, (sqlite) => sqlite.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('a', 'b', 1)").run());
  const target = await makeTestPgDb(t);
  await target.pool.query("INSERT INTO admin_sessions (token_hash, username, csrf_token, created_at, expires_at, last_seen_at) VALUES ('h', 'u', 'c', 1, 2, 1)");
  await t.rejects(migrate({ sourcePath: path, targetUrl: target.url }), /already holds data \(table admin_sessions has rows\)/);
  t.equal(await pgCount(target, 'settings'), 0, 'nothing copied');
  t.equal(await pgCount(target, 'admin_sessions'), 1, 'its row untouched');
});

t.test('a source from a newer version is refused naming the migration; an older one says which version to start on it', async (t) => {
  const newer = plainSource(t, (sqlite) => sqlite.prepare("INSERT INTO schema_migrations (id, applied_at) VALUES ('9999_from_the_future', 1)").run());
  const target = await makeTestPgDb(t, { migrated: false });
  await t.rejects(migrate({ sourcePath: newer, targetUrl: target.url }), /newer version of Interhubz than this one \(9\.9\.9-test\): it has migration 9999_from_the_future/);
  const older = plainSource(t, (sqlite) => sqlite.prepare('DELETE FROM schema_migrations WHERE id = (SELECT max(id) FROM schema_migrations)').run());
  await t.rejects(migrate({ sourcePath: older, targetUrl: target.url }), /older version of Interhubz: it lacks migration \d{4}_\w+\. Start Interhubz 9\.9\.9-test on the SQLite file once/);
  const tables = await target.pool.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema()");
  t.equal(tables.rowCount, 0, 'the target was not touched (not even migrated)');
});

t.test('an empty target database is migrated first; different schemas are refused, listing the differences', async (t) => {
  const path = plainSource(t, (sqlite) => sqlite.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('a', 'b', 1)").run());
  const fresh = await makeTestPgDb(t, { migrated: false });
  const lines: string[] = [];
  t.ok((await migrate({ sourcePath: path, targetUrl: fresh.url, lines })).copied);
  t.match(lines.join('\n'), /Migrated to \d{4}_\w+ \(\d+ migrations applied\)/);
  t.equal(await pgCount(fresh, 'settings'), 1);

  const changed = await makeTestPgDb(t);
  await changed.pool.query('ALTER TABLE settings ADD COLUMN extra TEXT');
  await t.rejects(migrate({ sourcePath: path, targetUrl: changed.url }), /different schemas, so nothing was copied:\n {2}- table settings: column extra is in the target only/);
  // A file whose daemon never started after 0013 still holds the plain links to hash.
  const unhashed = makeTestDb(t);
  await t.rejects(migrate({ sourcePath: unhashed.path, targetUrl: (await makeTestPgDb(t)).url }), /table record_links_plain is in the source only: start Interhubz once on the SQLite file/);
});

t.test('a count that differs after the copy commits nothing and says MISMATCH', async (t) => {
  const path = plainSource(t, (sqlite) => {
    sqlite.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('a', 'b', 1)").run();
    const insert = sqlite.prepare("INSERT INTO activity (at, kind, outcome) VALUES (?, ?, 'captured')");
    for (let i = 0; i < 10; i++) insert.run(i, i === 3 ? 'swallowed' : 'kept');
  });
  const target = await makeTestPgDb(t);
  // A trigger that drops a row silently: the insert succeeds, the count does not.
  await target.pool.query(`CREATE FUNCTION swallow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.kind = 'swallowed' THEN RETURN NULL; END IF; RETURN NEW; END $$`);
  await target.pool.query('CREATE TRIGGER swallow BEFORE INSERT ON activity FOR EACH ROW EXECUTE FUNCTION swallow()');
  const lines: string[] = [];
  const result = await migrate({ sourcePath: path, targetUrl: target.url, lines });
  t.notOk(result.copied);
  t.same(result.counts.find((c) => c.table === 'activity'), { table: 'activity', source: 10, target: 9 });
  t.match(lines.join('\n'), /^activity\s+10\s+9\s+MISMATCH$/m);
  t.match(lines.join('\n'), /nothing was committed/);
  t.equal(await pgCount(target, 'settings'), 0, 'rolled back: not even the tables that matched');
  t.equal(await pgCount(target, 'activity'), 0);
});

t.test('a source that is missing, not SQLite, or not an Interhubz database is refused saying so', async (t) => {
  const dir = makeDataDir(t);
  const target = await makeTestPgDb(t);
  await t.rejects(migrate({ sourcePath: join(dir, 'nothing.db'), targetUrl: target.url }), /The source database .*nothing\.db does not exist/);
  await t.rejects(migrate({ sourcePath: dir, targetUrl: target.url }), /is not a file/);
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'not a database\n'.repeat(100));
  await t.rejects(migrate({ sourcePath: text, targetUrl: target.url }), /notes\.txt is not an SQLite database/);
  const other = join(dir, 'other.db');
  const sqlite = new SQLite(other);
  sqlite.exec('CREATE TABLE things (id INTEGER PRIMARY KEY)');
  sqlite.close();
  await t.rejects(migrate({ sourcePath: other, targetUrl: target.url }), /other\.db is not an Interhubz database: it has no schema_migrations table/);
});

t.test('npm run migrate-store: exit codes, and the URL password in no output', async (t) => {
  const script = appPath('scripts/migrate-store.ts');
  const cli = (args: string[]) =>
    run(process.execPath, [script, ...args]).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  const usage = await cli(['--from', '/data/interhubz.db']);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /--to is missing.*\nUsage: npm run migrate-store -- --from sqlite:/s);

  const target = await makeTestPgDb(t);
  const withPassword = target.url.replace('postgres@', 'postgres:db-s3cret-pw@');
  const missing = await cli(['--from', `sqlite:${join(makeDataDir(t), 'gone.db')}`, '--to', withPassword]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /gone\.db does not exist/);

  const path = plainSource(t, (sqlite) => sqlite.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('a', 'b', 1)").run());
  const copied = await cli(['--from', `sqlite:${path}`, '--to', withPassword]);
  t.equal(copied.code, 0, copied.stderr);
  t.match(copied.stdout, /Target: 127\.0\.0\.1:\d+\/interhubz_test_\w+ \(PostgreSQL\)/);
  t.match(copied.stdout, /^settings\s+1\s+1$/m);
  const again = await cli(['--from', `sqlite:${path}`, '--to', withPassword]);
  t.equal(again.code, 1, 'a second run finds the target filled');
  t.match(again.stderr, /already holds data \(table settings has rows\)/);
  for (const output of [missing, copied, again]) t.notMatch(output.stdout + output.stderr, /db-s3cret-pw/);
});
