// Keyed locks held across replicas on PostgreSQL (src/db/postgres/cluster-locks.ts, through
// src/conversations/keyed-lock.ts): work on one key never overlaps across replicas, other keys run
// side by side, and a replica whose lock connection was cut takes locks again.
import pino from 'pino';
import t, { type Test } from 'tap';
import { createKeyedLock } from '../../src/conversations/keyed-lock.ts';
import { openPostgres } from '../../src/db/postgres/open-postgres.ts';
import { createClusterLocks } from '../../src/db/postgres/cluster-locks.ts';
import { makeTestPgDb } from '../helpers/postgres.ts';

const log = pino({ level: 'silent' });
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

async function replicas(t: Test, count: number) {
  const first = await makeTestPgDb(t);
  return Array.from({ length: count }, (_, index) => {
    // The test cluster trusts local connections: the redacted URL has no password to lose.
    const db = index === 0 ? first : openPostgres(first.url);
    const locks = createClusterLocks({ pool: db.pool, log });
    t.teardown(async () => {
      await locks.close();
      if (index > 0) await db.close();
    });
    return { db, locks, keyed: createKeyedLock(locks) };
  });
}

t.test('one key, three replicas: the works never overlap; other keys run meanwhile', async (t) => {
  const [a, b, c] = await replicas(t, 3);
  if (!a || !b || !c) throw new Error('three replicas');
  let inside = 0;
  let most = 0;
  const order: string[] = [];
  const work = (name: string) => async () => {
    inside += 1;
    most = Math.max(most, inside);
    order.push(`${name}+`);
    await tick();
    await tick();
    order.push(`${name}-`);
    inside -= 1;
    return name;
  };
  const results = await Promise.all([
    a.keyed.run('company:c1:example.com', work('a1')),
    b.keyed.run('company:c1:example.com', work('b1')),
    c.keyed.run('company:c1:example.com', work('c1')),
    a.keyed.run('company:c1:example.com', work('a2')),
  ]);
  t.same(results, ['a1', 'b1', 'c1', 'a2']);
  t.equal(most, 1, `never two at once on one key (${order.join(' ')})`);
});

t.test('other keys are not held up by a key another replica holds', async (t) => {
  const [a, b] = await replicas(t, 2);
  if (!a || !b) throw new Error('two replicas');
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let holding = false;
  const first = a.keyed.run('company:c1:example.com', async () => {
    holding = true;
    await held;
  });
  while (!holding) await tick();
  t.equal(await b.keyed.run('company:c1:other.example', async () => 'other'), 'other', 'ran while the first key was held');
  release();
  await first;
});

t.test('a failed work releases the key for the other replicas', async (t) => {
  const [a, b] = await replicas(t, 2);
  if (!a || !b) throw new Error('two replicas');
  await t.rejects(a.keyed.run('k', async () => Promise.reject(new Error('HubSpot said 500'))), /HubSpot said 500/);
  t.equal(await b.keyed.run('k', async () => 'b ran'), 'b ran');
});

t.test('a replica whose lock connection was cut takes locks again', async (t) => {
  const [a, b] = await replicas(t, 2);
  if (!a || !b) throw new Error('two replicas');
  t.equal(await a.keyed.run('k', async () => 1), 1);
  // Cut every connection the first replica's lock session may have (it is an idle backend now).
  await b.db.pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'SELECT pg_%advisory%'");
  await tick();
  t.equal(await a.keyed.run('k', async () => 2), 2, 'locks again on a new connection');
  t.equal(await b.keyed.run('k', async () => 3), 3, 'and released it for the other replica');
});
