// The data half of migrations/0013: the record links written before it (match keys in plain text,
// moved aside into record_links_plain by the migration) are hashed into record_links, and the plain
// table is dropped. SQL cannot do it, the key lives outside the database; the daemon runs this at
// start, after the vault key was checked against the database (a wrong key would make every link
// unfindable) and before any job can read or write a link.
//
// Why not a JS hook inside the migration's transaction: every caller of migrate() (tests, benches,
// tools) would then need the vault key. A leftover record_links_plain is an explicit, idempotent
// "not done yet" marker instead.
import type SQLite from 'better-sqlite3';
import type { MatchKeyHasher } from '../matching/match-key.ts';
import { withSyncTransaction } from './transaction.ts';

const LEGACY_TABLE = 'record_links_plain';

interface PlainLinkRow {
  connection_id: string;
  object_type: string;
  match_key: string;
  hubspot_id: string | null;
  pending_ref: string | null;
  updated_at: number;
}

/** Hashes the plain record links left by migration 0013, if any; answers how many were moved. */
export function hashPlainRecordLinks(sqlite: SQLite.Database, hash: MatchKeyHasher): number {
  const legacy = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(LEGACY_TABLE);
  if (!legacy) return 0;
  // Zero what is deleted, so the plain keys do not survive in free pages of the file (nor, after the
  // checkpoint below, in the write-ahead log).
  const secureDelete = sqlite.pragma('secure_delete', { simple: true }) as number;
  sqlite.pragma('secure_delete = ON');
  let moved = 0;
  try {
    withSyncTransaction(sqlite, () => {
      const rows = sqlite.prepare(`SELECT connection_id, object_type, match_key, hubspot_id, pending_ref, updated_at FROM ${LEGACY_TABLE}`).all() as PlainLinkRow[];
      // A link written after the migration (there should be none: this runs first) wins over a plain one.
      const insert = sqlite.prepare(
        'INSERT INTO record_links (connection_id, object_type, match_key, hubspot_id, pending_ref, updated_at) VALUES (?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (connection_id, object_type, match_key) DO NOTHING',
      );
      for (const row of rows) moved += insert.run(row.connection_id, row.object_type, hash(row.match_key), row.hubspot_id, row.pending_ref, row.updated_at).changes;
      sqlite.exec(`DELETE FROM ${LEGACY_TABLE}`);
      sqlite.exec(`DROP TABLE ${LEGACY_TABLE}`);
    });
  } finally {
    sqlite.pragma(`secure_delete = ${secureDelete ? 'ON' : 'OFF'}`);
  }
  // Fold the log into the file and empty it: the old pages of the plain table live there until then.
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  return moved;
}
