// database.url (issue #21): absent, the SQLite file in dataDir; a PostgreSQL URL otherwise, also from
// DATABASE_URL. A bad value is named by its key, and its text — which may hold a password — is not repeated.
import t from 'tap';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/startup-error.ts';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

t.test('no database.url: empty, the SQLite store', async (t) => {
  t.equal(parseConfig('', {}).database.url, '');
});

t.test('a postgres:// or postgresql:// URL is taken as it is', async (t) => {
  for (const url of ['postgres://interhubz:pw@db.example.com:5432/interhubz', 'postgresql://db.example.com/interhubz?sslmode=require', 'postgres:///interhubz?host=/run/postgresql']) {
    t.equal(parseConfig(`database:\n  url: "${url}"\n`, {}).database.url, url);
  }
});

t.test('DATABASE_URL overrides the file, as DATA_DIR does dataDir', async (t) => {
  const config = parseConfig('database:\n  url: postgres://file-host/interhubz\n', { DATABASE_URL: 'postgres://env-host/interhubz' });
  t.equal(config.database.url, 'postgres://env-host/interhubz');
});

t.test('a URL that is not PostgreSQL is refused by its key, without its text', async (t) => {
  const fromFile = problemsOf(() => parseConfig('database:\n  url: mysql://root:hunter22@db/interhubz\n', {}));
  t.equal(fromFile.length, 1);
  t.match(fromFile[0], /^database\.url \(line 2\): must be a PostgreSQL URL such as postgres:\/\//);
  t.notMatch(fromFile[0], /hunter22/, 'the password is not repeated');

  const fromEnv = problemsOf(() => parseConfig('', { DATABASE_URL: 'postgres://' }));
  t.match(fromEnv[0], /^DATABASE_URL \(environment variable, sets database\.url\): must be a PostgreSQL URL/);

  t.match(problemsOf(() => parseConfig('database:\n  uri: x\n', {}))[0], /unknown key 'uri' \(did you mean 'url'\?\)/);
});
