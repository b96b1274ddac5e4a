// Whether an SQLite file and a PostgreSQL database can be copied one into the other: the same
// migrations (the ones this code knows), the same tables with the same columns. Pure.

/** Each table's column names, as the store reports them. */
export type TableColumns = ReadonlyMap<string, readonly string[]>;

/** A table SQLite's 0013 leaves for the daemon's next start to hash (src/db/hash-record-links.ts). */
const UNHASHED_LINKS_TABLE = 'record_links_plain';

/** One sentence per difference; empty when every table has the same columns on both sides. */
export function schemaDifferences(source: TableColumns, target: TableColumns): string[] {
  const problems: string[] = [];
  for (const [table, columns] of source) {
    const other = target.get(table);
    if (!other) {
      problems.push(
        table === UNHASHED_LINKS_TABLE
          ? `table ${table} is in the source only: start Interhubz once on the SQLite file (it hashes the old record links at start), stop it, then run migrate-store again`
          : `table ${table} is in the source only`,
      );
      continue;
    }
    const here = new Set(columns);
    const there = new Set(other);
    for (const column of columns) if (!there.has(column)) problems.push(`table ${table}: column ${column} is in the source only`);
    for (const column of other) if (!here.has(column)) problems.push(`table ${table}: column ${column} is in the target only`);
  }
  for (const table of target.keys()) if (!source.has(table)) problems.push(`table ${table} is in the target only`);
  return problems;
}

/**
 * Why the source's migrations are not the ones this code knows (which the target is migrated to),
 * with the version to run; undefined when they are the same.
 */
export function migrationLevelProblem(sourceIds: readonly string[], knownIds: readonly string[], version: string): string | undefined {
  const known = new Set(knownIds);
  const applied = new Set(sourceIds);
  const newer = sourceIds.filter((id) => !known.has(id)).sort();
  if (newer.length > 0) {
    return (
      `The source database was written by a newer version of Interhubz than this one (${version}): it has migration ${newer.join(', ')}, which this version does not know. ` +
      'Run migrate-store from the version of Interhubz that last ran on it.'
    );
  }
  const missing = knownIds.filter((id) => !applied.has(id));
  if (missing.length > 0) {
    return (
      `The source database is from an older version of Interhubz: it lacks migration ${missing.join(', ')}. ` +
      `Start Interhubz ${version} on the SQLite file once (it upgrades the file at start), stop it, then run migrate-store again.`
    );
  }
  return undefined;
}
