// Copies an installation's state from its SQLite file into a PostgreSQL database (#21): the step
// between one container and several replicas. See the README's "From one container to several".
// Usage: npm run migrate-store -- --from sqlite:/data/interhubz.db --to postgres://USER:PASSWORD@HOST:5432/DATABASE
// Exit codes: 0 copied and every count matches; 1 refused, failed, or a count differs (nothing
// committed); 2 the command line is wrong.
import { readFileSync } from 'node:fs';
import { MIGRATE_STORE_USAGE, parseMigrateStoreArgs } from '../src/db/migrate-store/parse-args.ts';
import { migrateStore } from '../src/db/migrate-store/migrate-store.ts';

const parsed = parseMigrateStoreArgs(process.argv.slice(2));
if (parsed.kind === 'help') {
  process.stdout.write(`${MIGRATE_STORE_USAGE}\n`);
  process.exit(0);
}
if (parsed.kind === 'invalid') {
  process.stderr.write(`migrate-store: ${parsed.problem}.\n${MIGRATE_STORE_USAGE}\n`);
  process.exit(2);
}

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
try {
  const result = await migrateStore({
    ...parsed.args,
    version,
    say: (line) => process.stdout.write(`${line}\n`),
  });
  process.exitCode = result.copied ? 0 : 1;
} catch (error) {
  // Every message here names host, port and database only (openPostgres and migrate-store see to it).
  process.stderr.write(`migrate-store: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
