// migrate-store's pure parts: the command line, whether two schemas and migration levels allow a
// copy, the order tables are filled in, the batch size, and the table of counts.
import t from 'tap';
import { migrationLevelProblem, schemaDifferences } from '../../src/db/migrate-store/compare-stores.ts';
import { copyOrder } from '../../src/db/migrate-store/copy-order.ts';
import { countsMatch, formatCounts } from '../../src/db/migrate-store/count-report.ts';
import { parseMigrateStoreArgs } from '../../src/db/migrate-store/parse-args.ts';
import { batchRowsFor } from '../../src/db/migrate-store/postgres-target.ts';

const URL_WITH_PASSWORD = 'postgres://interhubz:s3cret-pw@db.example.com:5432/interhubz';

t.test('the command line: --from sqlite:PATH and --to postgres://…, in either spelling', async (t) => {
  t.same(parseMigrateStoreArgs(['--from', 'sqlite:/data/interhubz.db', '--to', URL_WITH_PASSWORD]), {
    kind: 'run',
    args: { sourcePath: '/data/interhubz.db', targetUrl: URL_WITH_PASSWORD },
  });
  t.same(parseMigrateStoreArgs([`--to=${URL_WITH_PASSWORD.replace('postgres:', 'postgresql:')}`, '--from=sqlite:data/x.db']), {
    kind: 'run',
    args: { sourcePath: 'data/x.db', targetUrl: URL_WITH_PASSWORD.replace('postgres:', 'postgresql:') },
  });
  t.same(parseMigrateStoreArgs(['--from', 'sqlite:///data/interhubz.db', '--to', URL_WITH_PASSWORD]), {
    kind: 'run',
    args: { sourcePath: '/data/interhubz.db', targetUrl: URL_WITH_PASSWORD },
  }, 'sqlite:///abs is the URL spelling of sqlite:/abs');
  t.same(parseMigrateStoreArgs(['--help']), { kind: 'help' });
});

t.test('the command line: each mistake is named, and a URL is never repeated in the message', async (t) => {
  const problem = (argv: string[]) => {
    const parsed = parseMigrateStoreArgs(argv);
    return parsed.kind === 'invalid' ? parsed.problem : `not refused: ${parsed.kind}`;
  };
  t.match(problem([]), /--from and --to are missing/);
  t.match(problem(['--to', URL_WITH_PASSWORD]), /--from is missing/);
  t.match(problem(['--from', 'sqlite:/data/interhubz.db']), /--to is missing/);
  t.match(problem(['--from', '--to', URL_WITH_PASSWORD]), /--from needs a value/);
  t.match(problem(['--from', '/data/interhubz.db', '--to', URL_WITH_PASSWORD]), /--from must name the SQLite file as sqlite:PATH/);
  t.match(problem(['--from', 'sqlite:', '--to', URL_WITH_PASSWORD]), /names no file/);
  const wrongScheme = problem(['--from', 'sqlite:/d.db', '--to', 'mysql://root:s3cret-pw@db/x']);
  t.match(wrongScheme, /--to must be a postgres:\/\/ or postgresql:\/\/ URL; it starts with mysql:/);
  t.notMatch(wrongScheme, /s3cret-pw/);
  t.match(problem(['--from', 'sqlite:/a.db', '--from', 'sqlite:/b.db', '--to', URL_WITH_PASSWORD]), /--from is given twice/);
  const stray = problem(['--from', 'sqlite:/a.db', '--to', URL_WITH_PASSWORD, URL_WITH_PASSWORD]);
  t.match(stray, /unknown argument "postgres:"/);
  t.notMatch(stray, /s3cret-pw/);
});

t.test('schemas: every table and column on one side only is named; equal schemas give nothing', async (t) => {
  const source = new Map([
    ['connections', ['id', 'name']],
    ['jobs', ['id', 'task', 'old_column']],
    ['record_links_plain', ['match_key']],
  ]);
  const target = new Map([
    ['connections', ['name', 'id']],
    ['jobs', ['id', 'task', 'priority']],
    ['rate_budgets', ['budget_key']],
  ]);
  t.same(schemaDifferences(source, target), [
    'table jobs: column old_column is in the source only',
    'table jobs: column priority is in the target only',
    'table record_links_plain is in the source only: start Interhubz once on the SQLite file (it hashes the old record links at start), stop it, then run migrate-store again',
    'table rate_budgets is in the target only',
  ]);
  t.same(schemaDifferences(new Map([['a', ['x', 'y']]]), new Map([['a', ['y', 'x']]])), [], 'column order does not matter: inserts name their columns');
});

t.test('migration levels: a newer source names the unknown migrations, an older one the version to start on it', async (t) => {
  const known = ['0001_a', '0002_b', '0003_c'];
  t.equal(migrationLevelProblem(known, known, '1.2.0'), undefined);
  t.match(migrationLevelProblem([...known, '0004_d'], known, '1.2.0'), /newer version of Interhubz than this one \(1\.2\.0\): it has migration 0004_d/);
  t.match(migrationLevelProblem(['0001_a'], known, '1.2.0'), /older version of Interhubz: it lacks migration 0002_b, 0003_c\. Start Interhubz 1\.2\.0 on the SQLite file once/);
});

t.test('copy order: referenced tables first, otherwise by name; a cycle is an error', async (t) => {
  t.same(
    copyOrder(['alert_deliveries', 'activity', 'connections', 'alert_messages', 'alert_channels', 'settings'], [
      { table: 'activity', references: 'connections' },
      { table: 'alert_deliveries', references: 'alert_messages' },
      { table: 'alert_deliveries', references: 'alert_channels' },
    ]),
    ['alert_channels', 'alert_messages', 'connections', 'settings', 'activity', 'alert_deliveries'],
  );
  t.same(copyOrder(['tree'], [{ table: 'tree', references: 'tree' }]), ['tree'], 'a table referring to itself');
  t.throws(() => copyOrder(['a', 'b'], [{ table: 'a', references: 'b' }, { table: 'b', references: 'a' }]), /a, b form a cycle/);
});

t.test("a batch keeps under PostgreSQL's 65,535 bind parameters", async (t) => {
  t.equal(batchRowsFor(15, 1000), 1000);
  t.equal(batchRowsFor(100, 1000), 655);
  t.equal(batchRowsFor(100_000, 1000), 1);
});

t.test('the table of counts: aligned, totals, each mismatch marked', async (t) => {
  const counts = [
    { table: 'connections', source: 2, target: 2 },
    { table: 'jobs', source: 12345, target: 12344 },
  ];
  t.notOk(countsMatch(counts));
  t.ok(countsMatch([{ table: 'a', source: 1, target: 1 }]));
  t.equal(
    formatCounts(counts),
    ['table        source  target', 'connections       2       2', 'jobs          12345   12344  MISMATCH', 'total         12347   12346  MISMATCH'].join('\n'),
  );
});
