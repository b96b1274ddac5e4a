// Customer identifiers at rest are keyed hashes (issue #14 item 11): the hasher, and the links a
// database held before migration 0013 hashed when the daemon starts, leaving no plain key in its files.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { DATABASE_FILE, openDb } from '../../src/db/database.ts';
import { hashPlainRecordLinks } from '../../src/db/hash-record-links.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { createMatchKeyHasher, STORED_MATCH_KEY_PREFIX } from '../../src/matching/match-key.ts';
import { makeDataDir } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

const KEY = Buffer.alloc(32, 7);

t.test('a match key is stored as a keyed hash: stable, not the address, different under another key', async (t) => {
  const hash = createMatchKeyHasher(KEY);
  const stored = hash('email:grace.hopper@acme.test');
  t.ok(stored.startsWith(STORED_MATCH_KEY_PREFIX));
  t.equal(hash('email:grace.hopper@acme.test'), stored, 'the same key hashes the same (links are found again)');
  t.notOk(stored.includes('grace') || stored.includes('acme'), 'nothing of the address is readable');
  t.not(hash('email:grace.hopper@acme.tesT'), stored, 'another key, another hash');
  t.not(createMatchKeyHasher(Buffer.alloc(32, 8))('email:grace.hopper@acme.test'), stored, 'another vault key, another hash');
});

t.test('links stored in plain text before migration 0013 are hashed at start; the address is gone from the files', async (t) => {
  const dataDir = makeDataDir(t);
  const secretKey = KEY.toString('base64');
  const before = readMigrations().filter((migration) => migration.id < '0013');
  const db = openDb(join(dataDir, DATABASE_FILE));
  migrate(db.sqlite, before);
  db.sqlite.prepare("INSERT INTO connections (id, name, status, created_at, updated_at) VALUES ('c1', 'Old', 'disconnected', 1, 1)").run();
  const plain = [
    ['contact', 'email:ada.lovelace@analytical-engine.test', '10010000001', null],
    ['contact', 'intercom:6650aa01', '10010000001', null],
    ['company', 'domain:domain analytical-engine.test', '20010000001', null],
    ['company', 'intercom:company-77', null, 'company:company-77'],
  ] as const;
  const insert = db.sqlite.prepare('INSERT INTO record_links (connection_id, object_type, match_key, hubspot_id, pending_ref, updated_at) VALUES (?, ?, ?, ?, ?, 5)');
  for (const [type, key, id, pending] of plain) insert.run('c1', type, key, id, pending);
  await db.close();
  const file = (name: string) => join(dataDir, name);
  t.ok(readFileSync(file(DATABASE_FILE)).includes('ada.lovelace@analytical-engine.test'), 'the old database holds the address (the check below means something)');

  const server = await buildTestApp(t, { dataDir, secretKey });
  const rows = server.daemon.db.sqlite.prepare('SELECT object_type, match_key, hubspot_id, pending_ref FROM record_links ORDER BY object_type, match_key').all();
  const hash = createMatchKeyHasher(KEY);
  const expected = plain.map(([type, key, id, pending]) => ({ object_type: type, match_key: hash(key), hubspot_id: id, pending_ref: pending }));
  t.same(rows, expected.sort((a, b) => a.object_type.localeCompare(b.object_type) || a.match_key.localeCompare(b.match_key)), 'every link kept, under its keyed hash');
  t.notOk(server.daemon.db.sqlite.prepare("SELECT 1 FROM sqlite_master WHERE name = 'record_links_plain'").get(), 'the plain table is gone');
  t.equal(hashPlainRecordLinks(server.daemon.db.sqlite, hash), 0, 'a second run of the step finds nothing to do');

  // The step zeroed what it deleted and truncated the write-ahead log: the files, as they are now.
  for (const name of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) {
    if (!existsSync(file(name))) continue;
    const bytes = readFileSync(file(name));
    for (const value of ['ada.lovelace@analytical-engine.test', 'analytical-engine.test']) {
      t.equal(bytes.indexOf(value), -1, `${name} does not contain "${value}"`);
    }
  }
});
