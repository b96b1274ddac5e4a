// Applies the migrations (PostgreSQL spelling: readMigrations(dir, 'postgres')) to a PostgreSQL
// database, with the contract of src/db/migrate.ts: recorded in schema_migrations, each in its own
// transaction, and a database with migrations this code does not know is refused.
//
// Several replicas may start at once on one database: the whole run holds an advisory lock, so one
// migrates and the others wait, then find everything recorded and apply nothing. The lock is
// session-scoped rather than transaction-scoped (pg_advisory_xact_lock) because each migration
// commits on its own: a transaction's lock would end with the first commit. A connection that dies
// takes its session lock with it, so a crashed replica cannot leave the lock held.
import type pg from 'pg';
import { StartupError } from '../../startup-error.ts';
import type { Migration, MigrationResult } from '../migrate.ts';

/** The advisory lock key of a migration run ('ihzmigr' in ASCII): fixed, shared by every replica. */
const MIGRATION_LOCK_KEY = 0x69687a6d696772n;

/**
 * SQLite's json_valid(x), which the migrations' CHECKs use: true for well-formed JSON text, null
 * for null (a CHECK passes on null, as in SQLite). PostgreSQL 15 has no IS JSON predicate yet.
 */
const JSON_VALID_FUNCTION = `
CREATE FUNCTION json_valid(value text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  PERFORM value::json;
  RETURN true;
EXCEPTION WHEN invalid_text_representation THEN
  RETURN false;
END
$$`;

async function knownIds(client: pg.PoolClient): Promise<Set<string> | null> {
  const table = await client.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!table.rows[0]?.present) return null;
  const rows = await client.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
  return new Set(rows.rows.map((row) => row.id));
}

export async function migratePostgres(pool: pg.Pool, migrations: Migration[], now = Date.now): Promise<MigrationResult> {
  const client = await pool.connect();
  try {
    // Waiting for another replica's run may take longer than a statement may (openPostgres sets a
    // statement_timeout); the connection is discarded at the end, so the setting leaves with it.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    const shim = await client.query<{ present: boolean }>("SELECT to_regprocedure('json_valid(text)') IS NOT NULL AS present");
    if (!shim.rows[0]?.present) await client.query(JSON_VALID_FUNCTION);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)');
    const done = (await knownIds(client)) ?? new Set<string>();
    const known = new Set(migrations.map((m) => m.id));
    const unknown = [...done].filter((id) => !known.has(id)).sort();
    if (unknown.length > 0) {
      const name = (await client.query<{ name: string }>('SELECT current_database() AS name')).rows[0]?.name ?? '';
      throw new StartupError(
        `The database ${name} was written by a newer version of Interhubz (it has migration ${unknown.join(', ')}, ` +
          'which this version does not know). Run the newer version again, or restore a backup made before the upgrade.',
      );
    }
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [migration.id, now()]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${migration.id} failed on PostgreSQL: ${(error as Error).message}`, { cause: error });
      }
      applied.push(migration.id);
    }
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    return { applied, current: migrations.at(-1)?.id ?? null };
  } finally {
    // Discarded rather than returned to the pool: after a failure it may still hold the session
    // lock (closing the connection releases it), and it has a statement_timeout the others do not.
    client.release(true);
  }
}

/** True when every migration this code knows is recorded: part of /readyz. */
export async function isMigratedPostgres(pool: pg.Pool, migrations: Migration[]): Promise<boolean> {
  const client = await pool.connect();
  try {
    const done = await knownIds(client);
    return done !== null && migrations.every((m) => done.has(m.id));
  } finally {
    client.release();
  }
}
