import type { Kysely } from 'kysely';
import type { ConnectionRow, Database } from '../schema.ts';

export async function listConnections(db: Kysely<Database>): Promise<ConnectionRow[]> {
  return db.selectFrom('connections').selectAll().orderBy('name').execute();
}
