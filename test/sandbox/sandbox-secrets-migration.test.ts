// Migration 0016 (issue #14 item 4): the shared webhook secrets old sandbox connections stored are
// removed; other connections' own secrets stay.
import { join } from 'node:path';
import t from 'tap';
import { openDb } from '../../src/db/database.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { makeDataDir } from '../helpers/server.ts';

t.test('0016 deletes the webhook secrets of sandbox connections only', async (t) => {
  const db = openDb(join(makeDataDir(t), 'x.db'));
  t.teardown(() => db.close());
  const all = readMigrations();
  migrate(db.sqlite, all.filter((m) => m.id < '0016'), () => 1);
  const connection = db.sqlite.prepare(
    `INSERT INTO connections (id, name, status, managed_by_config, created_at, updated_at, settings, intercom_base_url)
     VALUES (?, ?, 'active', 0, 1, 1, '{}', ?)`,
  );
  connection.run('sbx', 'Sandbox', 'http://localhost:8080/sandbox/intercom');
  connection.run('real', 'Support', null);
  const credential = db.sqlite.prepare(`INSERT INTO credentials (id, owner, kind, key_id, ciphertext, created_at, updated_at) VALUES (?, ?, ?, 'k', 'c', 1, 1)`);
  credential.run('1', 'connection:sbx', 'intercom.webhook_secret');
  credential.run('2', 'connection:sbx', 'hubspot.webhook_secret');
  credential.run('3', 'connection:sbx', 'intercom.access_token');
  credential.run('4', 'connection:real', 'intercom.webhook_secret');
  migrate(db.sqlite, all, () => 2);
  t.same(db.sqlite.prepare('SELECT id FROM credentials ORDER BY id').all(), [{ id: '3' }, { id: '4' }]);
});
