// The real daemon (`node src/main.ts`, as an operator runs it) on PostgreSQL: DATABASE_URL names a
// fresh, empty database; the daemon migrates it, reports ready, and a conversation simulated in the
// built-in sandbox is captured into a HubSpot note — webhooks, the job table and the capture all on
// PostgreSQL. Without a vault key it refuses to start, and the URL's password is in no output.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { freePort, runDaemon } from '../helpers/daemon-process.ts';
import { makeTestPgDb } from '../helpers/postgres.ts';
import { makeDataDir, sessionApi, signIn } from '../helpers/server.ts';

const PASSWORD = 'pw-long-enough-1';
// The test server trusts local connections: the password is sent nowhere, but it is in the URL the daemon is given.
const DB_PASSWORD = 'db-s3cret-pw';
const withPassword = (url: string) => url.replace('postgres@', `postgres:${DB_PASSWORD}@`);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

t.test('without a vault key, a daemon on PostgreSQL refuses to start and says how to give one', async (t) => {
  const db = await makeTestPgDb(t, { migrated: false });
  const run = runDaemon({ DATA_DIR: makeDataDir(t), PORT: String(await freePort()), DATABASE_URL: withPassword(db.url), INTERHUBZ_ADMIN_PASSWORD: PASSWORD });
  const exit = await run.exited;
  t.equal(exit.code, 1);
  t.match(run.stderr(), /every replica must use the same secret key.*INTERHUBZ_SECRET_KEY.*vault\.keyFile/s);
  t.notMatch(run.stdout() + run.stderr(), DB_PASSWORD);
});

t.test('on an empty PostgreSQL database: migrated, ready, and a sandbox conversation becomes a HubSpot note', { timeout: 120_000 }, async (t) => {
  const db = await makeTestPgDb(t, { migrated: false });
  const port = await freePort();
  const run = runDaemon({
    DATA_DIR: makeDataDir(t),
    PORT: String(port),
    DATABASE_URL: withPassword(db.url),
    INTERHUBZ_SECRET_KEY: randomBytes(32).toString('base64'),
    INTERHUBZ_ADMIN_PASSWORD: PASSWORD,
  });
  t.teardown(async () => {
    if (run.child.exitCode === null) {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });
  await run.waitForStdout(/Interhubz is running/, 60_000);
  t.match(run.stdout(), /store: PostgreSQL/);
  t.match(run.stdout(), /database migrations applied/, 'the empty database was migrated at start');
  const url = `http://127.0.0.1:${port}`;

  const ready = await until(
    '/readyz',
    async () => {
      const response = await fetch(`${url}/readyz`);
      const body = (await response.json()) as { checks: Record<string, string> };
      return response.status === 200 ? body : undefined;
    },
    30_000,
  );
  t.same(ready.checks, { database: 'ok', migrations: 'ok', scheduler: 'ok' });

  const server = { url, username: 'admin', password: PASSWORD };
  const api = sessionApi(server, await signIn(server));
  const created = await api('POST', '/api/connections/sandbox', {});
  t.equal(created.status, 201, JSON.stringify(created.body));
  const id = String(created.body?.id);
  // No 30-second grace window in a test: the capture follows the close at once.
  const settings = await api('PUT', `/api/connections/${id}/settings`, { conversations: { capture: { graceMinutes: 0 } } });
  t.equal(settings.status, 200, JSON.stringify(settings.body));

  const simulated = await api('POST', `/api/connections/${id}/sandbox/conversations`);
  t.equal(simulated.status, 201, JSON.stringify(simulated.body));
  const notes = await until(
    'the note in the sandbox HubSpot',
    async () => {
      const portal = await api('GET', `/api/connections/${id}/sandbox/hubspot`);
      const list = (portal.body?.notes ?? []) as Array<{ contactIds: string[]; companyIds: string[]; bodyHtml: string }>;
      return list.length > 0 ? list : undefined;
    },
    60_000,
  );
  t.equal(notes.length, 1, 'one note');
  t.ok((notes[0]?.contactIds.length ?? 0) > 0, 'on the customer’s contact');
  t.match(notes[0]?.bodyHtml, /Captured by Interhubz/);

  const captures = await db.kysely.selectFrom('conversation_captures').select(['connection_id']).execute();
  t.same(captures, [{ connection_id: id }], 'the capture is recorded in PostgreSQL');

  run.child.kill('SIGTERM');
  t.equal((await run.exited).code, 0, 'stops cleanly');
  t.notMatch(run.stdout() + run.stderr(), DB_PASSWORD, "the database URL's password is in no log line");
});
