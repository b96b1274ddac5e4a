// Two replicas' first starts on one empty database, with no admin password in the file: each draws
// a password, and only one may be the password (src/auth/admin-account.ts, issue #21).
import t from 'tap';
import { resolveAdminAccount } from '../../src/auth/admin-account.ts';
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
