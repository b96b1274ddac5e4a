// OAuth flows under way, in the database (src/oauth/pending-authorizations.ts, migrations/0033):
// a flow begun through one handle (one replica) is finished through another, exactly once.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import t from 'tap';
import { openDb } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPendingAuthorizations, MAX_PENDING } from '../../src/oauth/pending-authorizations.ts';
import { makeDataDir, type Teardownable } from '../helpers/server.ts';

const T0 = Date.UTC(2026, 11, 4, 12);
const SESSION = 'session-cookie-value';

/** Two handles on one SQLite file: what two replicas share. */
function twoReplicas(t: Teardownable) {
  const path = join(makeDataDir(t), 'test.db');
  const a = openDb(path);
  migrate(a.sqlite);
  const b = openDb(path);
  t.teardown(async () => {
    await b.close();
    await a.close();
  });
  let now = T0;
  const clock = () => now;
  return {
    a: { db: a, pending: createPendingAuthorizations({ db: a.kysely, clock }) },
    b: { db: b, pending: createPendingAuthorizations({ db: b.kysely, clock }) },
    advance: (ms: number) => (now += ms),
  };
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const entry = { provider: 'hubspot' as const, connectionId: 'c1', app: 'hubspotOAuth', sessionToken: SESSION };
const rowCount = (db: ReturnType<typeof openDb>) => (db.sqlite.prepare('SELECT count(*) AS n FROM oauth_pending').get() as { n: number }).n;

t.test('a flow begun on one replica is taken on another, once; the table holds hashes only', async (t) => {
  const { a, b } = twoReplicas(t);
  const state = await a.pending.begin(entry);
  t.ok(state.length >= 32, 'a random state');
  const rows = a.db.sqlite.prepare('SELECT * FROM oauth_pending').all() as Array<Record<string, unknown>>;
  t.match(rows, [{ state_hash: sha256(state), session_hash: sha256(SESSION), provider: 'hubspot', connection_id: 'c1', app: 'hubspotOAuth', created_at: T0, expires_at: T0 + 10 * 60_000 }]);
  const stored = JSON.stringify(rows);
  t.notOk(stored.includes(state), 'the state itself is not stored');
  t.notOk(stored.includes(SESSION), 'nor the session cookie');

  const taken = await b.pending.take(state, { provider: 'hubspot', sessionToken: SESSION });
  t.match(taken, { ok: true, pending: { provider: 'hubspot', connectionId: 'c1', app: 'hubspotOAuth', sessionHash: sha256(SESSION), expiresAt: T0 + 10 * 60_000 } });
  t.same(await a.pending.take(state, { provider: 'hubspot', sessionToken: SESSION }), { ok: false, reason: 'unknown_state' }, 'used once, on any replica');
  t.equal(rowCount(a.db), 0);
});

t.test('two replicas racing on one state: exactly one wins', async (t) => {
  const { a, b } = twoReplicas(t);
  for (let round = 0; round < 20; round++) {
    const state = await a.pending.begin(entry);
    const outcomes = await Promise.all([a.pending.take(state, { provider: 'hubspot', sessionToken: SESSION }), b.pending.take(state, { provider: 'hubspot', sessionToken: SESSION })]);
    t.equal(outcomes.filter((outcome) => outcome.ok).length, 1, `round ${round}: one winner`);
    t.same(outcomes.find((outcome) => !outcome.ok), { ok: false, reason: 'unknown_state' });
  }
});

t.test('a refused take uses the state up all the same; each refusal says why', async (t) => {
  const { a, b, advance } = twoReplicas(t);
  const cases = [
    { check: { provider: 'intercom' as const, sessionToken: SESSION }, reason: 'other_provider' },
    { check: { provider: 'hubspot' as const, sessionToken: 'another-session' }, reason: 'other_session' },
    { check: { provider: 'hubspot' as const, sessionToken: undefined }, reason: 'other_session' },
  ];
  for (const { check, reason } of cases) {
    const state = await a.pending.begin(entry);
    t.same(await b.pending.take(state, check), { ok: false, reason }, reason);
    t.same(await b.pending.take(state, { provider: 'hubspot', sessionToken: SESSION }), { ok: false, reason: 'unknown_state' }, `${reason}: gone afterwards`);
  }
  const late = await a.pending.begin(entry);
  advance(10 * 60_000);
  t.same(await b.pending.take(late, { provider: 'hubspot', sessionToken: SESSION }), { ok: false, reason: 'expired' });
  t.equal(rowCount(a.db), 0);
});

t.test('expired rows are purged when a flow begins', async (t) => {
  const { a, b, advance } = twoReplicas(t);
  const old = await a.pending.begin(entry);
  await a.pending.begin({ ...entry, connectionId: 'c2' });
  advance(10 * 60_000 + 1);
  const fresh = await b.pending.begin(entry);
  t.same(a.db.sqlite.prepare('SELECT state_hash FROM oauth_pending').all(), [{ state_hash: sha256(fresh) }], 'only the new flow is left');
  t.same(await a.pending.take(old, { provider: 'hubspot', sessionToken: SESSION }), { ok: false, reason: 'unknown_state' });
});

t.test(`at most ${MAX_PENDING} flows are kept: the oldest goes, the one just begun stays`, async (t) => {
  const { a, b, advance } = twoReplicas(t);
  // Filled directly (a begin per row would be slow and prove nothing more), one millisecond apart.
  const insert = a.db.sqlite.prepare("INSERT INTO oauth_pending (state_hash, session_hash, provider, connection_id, app, created_at, expires_at) VALUES (?, 'x', 'hubspot', 'c1', 'hubspotOAuth', ?, ?)");
  a.db.sqlite.transaction(() => {
    for (let i = 0; i < MAX_PENDING; i++) insert.run(`filler-${String(i).padStart(4, '0')}`, T0 + i, T0 + i + 10 * 60_000);
  })();
  advance(MAX_PENDING);
  const state = await b.pending.begin(entry);
  t.equal(rowCount(a.db), MAX_PENDING);
  const hashes = new Set((a.db.sqlite.prepare('SELECT state_hash FROM oauth_pending').all() as Array<{ state_hash: string }>).map((row) => row.state_hash));
  t.notOk(hashes.has('filler-0000'), 'the oldest was dropped');
  t.ok(hashes.has('filler-0001'), 'only the oldest');
  t.match(await a.pending.take(state, { provider: 'hubspot', sessionToken: SESSION }), { ok: true }, 'the new flow is there');
});
