// Two replicas' first starts on one empty database, with no admin password in the file: each draws
// a password, and only one may be the password (src/auth/admin-account.ts, issue #21).
import t from 'tap';
import { resolveAdminAccount } from '../../src/auth/admin-account.ts';
import { applyConfiguredUsers } from '../../src/auth/configured-users.ts';
import { verifyPassword } from '../../src/auth/password-hash.ts';
import { eachStore } from '../helpers/postgres.ts';

const COST = 2 ** 12;

eachStore(t, 'the first generated password stored wins; the other replica adopts it and prints none', async (t, store) => {
  const db = store.kysely;
  const config = { username: 'admin', password: '', passwordHash: '' } as Parameters<typeof resolveAdminAccount>[0];
  const [a, b] = await Promise.all([resolveAdminAccount(config, db, { cost: COST }), resolveAdminAccount(config, db, { cost: COST })]);
  t.equal(a.source, 'generated');
  t.equal(b.source, 'generated', 'both drew a password before either stored one');
  const winner = String(a.generatedPassword);

  await a.persist(1);
  await b.persist(2);
  t.equal(b.generatedPassword, undefined, 'the loser has no password to print');
  t.equal(b.source, 'stored');
  t.ok(await verifyPassword(winner, await b.currentHash()), "the winner's password signs in on the other replica");
  t.ok(await verifyPassword(winner, await a.currentHash()), 'and on its own');
});

eachStore(t, 'replicas applying the same admin accounts at once: one bootstrap admin, no failed start', async (t, store) => {
  // Three replicas starting together each apply the file's accounts; without one at a time, two
  // inserted the bootstrap admin and the second start failed on the unique username (a CI run).
  const db = store.kysely;
  const admin = { username: 'admin', password: '', passwordHash: '', users: [] } as unknown as Parameters<typeof applyConfiguredUsers>[1];
  const results = await Promise.all([1, 2, 3].map((n) => applyConfiguredUsers(db, admin, n)));
  t.equal(results.flat().filter((change) => change.action === 'user.create').length, 1, 'created once');
  const rows = await db.selectFrom('admin_users').select('username').execute();
  t.same(rows.map((row) => row.username), ['admin']);
});
