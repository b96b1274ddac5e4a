// The command line of `npm run migrate-store`: where the state comes from (an SQLite file) and where
// it goes (a PostgreSQL URL). Pure; the messages never repeat the URL, which holds a password.

export const MIGRATE_STORE_USAGE =
  'Usage: npm run migrate-store -- --from sqlite:/data/interhubz.db --to postgres://USER:PASSWORD@HOST:5432/DATABASE';

interface MigrateStoreArgs {
  /** The SQLite file to copy. */
  sourcePath: string;
  /** The PostgreSQL database to fill (a credential: never printed as is). */
  targetUrl: string;
}

export type ParsedMigrateStoreArgs = { kind: 'run'; args: MigrateStoreArgs } | { kind: 'help' } | { kind: 'invalid'; problem: string };

const SQLITE_PREFIX = 'sqlite:';

/** What an argument starts with, for a message that must not show the rest (a password may follow). */
const schemeOf = (value: string) => /^[a-z][a-z0-9+.-]*:/i.exec(value)?.[0] ?? `${value.slice(0, 12)}…`;

function sourcePathOf(from: string): string | { problem: string } {
  if (!from.startsWith(SQLITE_PREFIX)) {
    return { problem: `--from must name the SQLite file as sqlite:PATH (for example sqlite:/data/interhubz.db); it starts with ${schemeOf(from)}` };
  }
  // sqlite:///data/x.db is the URL spelling of sqlite:/data/x.db.
  const path = from.slice(SQLITE_PREFIX.length).replace(/^\/\/(?=\/)/, '');
  return path === '' ? { problem: '--from sqlite: names no file (give sqlite:/data/interhubz.db)' } : path;
}

export function parseMigrateStoreArgs(argv: readonly string[]): ParsedMigrateStoreArgs {
  const values: { from?: string; to?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    const match = /^--(from|to)(?:=(.*))?$/s.exec(arg);
    if (!match) return { kind: 'invalid', problem: `unknown argument ${JSON.stringify(arg.startsWith('-') ? arg : schemeOf(arg))}` };
    const name = match[1] as 'from' | 'to';
    const value = match[2] ?? argv[++i];
    if (value === undefined || value === '' || (match[2] === undefined && value.startsWith('--'))) {
      return { kind: 'invalid', problem: `--${name} needs a value` };
    }
    if (values[name] !== undefined) return { kind: 'invalid', problem: `--${name} is given twice` };
    values[name] = value;
  }
  if (values.from === undefined && values.to === undefined) return { kind: 'invalid', problem: '--from and --to are missing' };
  if (values.from === undefined) return { kind: 'invalid', problem: '--from is missing: the SQLite file to copy (sqlite:/data/interhubz.db)' };
  if (values.to === undefined) return { kind: 'invalid', problem: '--to is missing: the PostgreSQL database to copy into (postgres://…)' };
  const sourcePath = sourcePathOf(values.from);
  if (typeof sourcePath !== 'string') return { kind: 'invalid', problem: sourcePath.problem };
  if (!/^postgres(?:ql)?:\/\/./.test(values.to)) {
    return { kind: 'invalid', problem: `--to must be a postgres:// or postgresql:// URL; it starts with ${schemeOf(values.to)}` };
  }
  return { kind: 'run', args: { sourcePath, targetUrl: values.to } };
}
