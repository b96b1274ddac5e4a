// OAuth flows under way, in the database (src/oauth/pending-authorizations.ts, migrations/0033):
// a flow begun through one handle (one replica) is finished through another, exactly once. Each
// test runs on SQLite (two handles on one file) and on PostgreSQL (two pools on one database).
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import t from 'tap';
import { openDb, type Db } from '../../src/db/database.ts';
import { openPostgres } from '../../src/db/postgres/open-postgres.ts';
import type { Database } from '../../src/db/schema.ts';
import { createPendingAuthorizations, MAX_PENDING } from '../../src/oauth/pending-authorizations.ts';
import { eachStore } from '../helpers/postgres.ts';
import type { Teardownable } from '../helpers/server.ts';

const T0 = Date.UTC(2026, 11, 4, 12);
const SESSION = 'session-cookie-value';

/** A second handle on the same store: what another replica holds. */
function otherReplica(t: Teardownable, db: Db): Db {
  // The test server trusts its clients, so the URL without a password still connects.
  const other = db.dialect === 'sqlite' ? openDb(db.path) : openPostgres(db.url);
  t.teardown(() => other.close());
  return other;
}

function twoReplicas(t: Teardownable, db: Db) {
  let now = T0;
  const clock = () => now;
  const other = otherReplica(t, db);
  return {
    db: db.kysely,
    a: createPendingAuthorizations({ db: db.kysely, clock }),
    b: createPendingAuthorizations({ db: other.kysely, clock }),
    advance: (ms: number) => (now += ms),
  };
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const entry = { provider: 'hubspot' as const, connectionId: 'c1', app: 'hubspotOAuth', sessionToken: SESSION };
const rows = (db: Kysely<Database>) => db.selectFrom('oauth_pending').selectAll().orderBy('created_at').orderBy('state_hash').execute();

eachStore(t, 'a flow begun on one replica is taken on another, once; the table holds hashes only', async (t, store) => {
  const { db, a, b } = twoReplicas(t, store);
  const state = await a.begin(entry);
  t.ok(state.length >= 32, 'a random state');
  const stored = await rows(db);
  t.same(stored, [{ state_hash: sha256(state), session_hash: sha256(SESSION), provider: 'hubspot', connection_id: 'c1', app: 'hubspotOAuth', created_at: T0, expires_at: T0 + 10 * 60_000 }]);
  t.notOk(JSON.stringify(stored).includes(state), 'the state itself is not stored');
  t.notOk(JSON.stringify(stored).includes(SESSION), 'nor the session cookie');

  const taken = await b.take(state, { provider: 'hubspot', sessionToken: SESSION });
  t.same(taken, { ok: true, pending: { provider: 'hubspot', connectionId: 'c1', app: 'hubspotOAuth', sessionHash: sha256(SESSION), expiresAt: T0 + 10 * 60_000 } });
  t.same(await a.take(state, { provider: 'hubspot', sessionToken: SESSION }), { ok: false, reason: 'unknown_state' }, 'used once, on any replica');
  t.same(await rows(db), []);
});

eachStore(t, 'two replicas racing on one state: exactly one wins', async (t, store) => {
  const { a, b } = twoReplicas(t, store);
  for (let round = 0; round < 20; round++) {
    const state = await a.begin(entry);
    const outcomes = await Promise.all([a.take(state, { provider: 'hubspot', sessionToken: SESSION }), b.take(state, { provider: 'hubspot', sessionToken: SESSION })]);
    t.equal(outcomes.filter((outcome) => outcome.ok).length, 1, `round ${round}: one winner`);
    t.same(outcomes.find((outcome) => !outcome.ok), { ok: false, reason: 'unknown_state' });
  }
});

eachStore(t, 'a refused take uses the state up all the same; each refusal says why', async (t, store) => {
  const { db, a, b, advance } = twoReplicas(t, store);
  const cases = [
    { check: { provider: 'intercom' as const, sessionToken: SESSION }, reason: 'other_provider' },
    { check: { provider: 'hubspot' as const, sessionToken: 'another-session' }, reason: 'other_session' },
    { check: { provider: 'hubspot' as const, sessionToken: undefined }, reason: 'other_session' },
  ];
  for (const { check, reason } of cases) {
    const state = await a.begin(entry);
    t.same(await b.take(state, check), { ok: false, reason }, reason);
    t.same(await b.take(state, { provider: 'hubspot', sessionToken: SESSION }), { ok: false, reason: 'unknown_state' }, `${reason}: gone afterwards`);
  }
  const late = await a.begin(entry);
  advance(10 * 60_000);
  t.same(await b.take(late, { provider: 'hubspot', sessionToken: SESSION }), { ok: false, reason: 'expired' });
  t.same(await rows(db), []);
});

eachStore(t, 'expired rows are purged when a flow begins', async (t, store) => {
  const { db, a, b, advance } = twoReplicas(t, store);
  const old = await a.begin(entry);
  await a.begin({ ...entry, connectionId: 'c2' });
  advance(10 * 60_000 + 1);
  const fresh = await b.begin(entry);
  t.same((await rows(db)).map((row) => row.state_hash), [sha256(fresh)], 'only the new flow is left');
  t.same(await a.take(old, { provider: 'hubspot', sessionToken: SESSION }), { ok: false, reason: 'unknown_state' });
});

eachStore(t, `at most ${MAX_PENDING} flows are kept: the oldest goes, the one just begun stays`, async (t, store) => {
  const { db, a, b, advance } = twoReplicas(t, store);
  // Filled directly (a begin per row would be slow and prove nothing more), one millisecond apart.
  const fillers = Array.from({ length: MAX_PENDING }, (_, i) => ({
    state_hash: `filler-${String(i).padStart(4, '0')}`,
    session_hash: 'x',
    provider: 'hubspot' as const,
    connection_id: 'c1',
    app: 'hubspotOAuth',
    created_at: T0 + i,
    expires_at: T0 + i + 10 * 60_000,
  }));
  for (let i = 0; i < fillers.length; i += 100) await db.insertInto('oauth_pending').values(fillers.slice(i, i + 100)).execute();
  advance(MAX_PENDING);
  const state = await b.begin(entry);
  const hashes = new Set((await rows(db)).map((row) => row.state_hash));
  t.equal(hashes.size, MAX_PENDING);
  t.notOk(hashes.has('filler-0000'), 'the oldest was dropped');
  t.ok(hashes.has('filler-0001'), 'only the oldest');
  t.match(await a.take(state, { provider: 'hubspot', sessionToken: SESSION }), { ok: true }, 'the new flow is there');
});
