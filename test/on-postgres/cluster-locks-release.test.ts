// The cross-replica locks' connection is released to the pool once only. Found running
// test/http/sandbox-demo.test.ts on PostgreSQL: the test database dropped WITH (FORCE) after the
// daemon closed sent its session a FATAL, the connection's 'error' handler released the client a
// second time, and pg-pool's "Release called on client which has already been released to the pool"
// was thrown from inside the event handler: an uncaught exception, which ends a daemon too.
import { EventEmitter } from 'node:events';
import pino from 'pino';
import type pg from 'pg';
import t from 'tap';
import { createClusterLocks } from '../../src/db/postgres/cluster-locks.ts';

/** A pooled client as pg-pool hands it out: a second release throws, as pg-pool's does. */
function pooledClient() {
  const client = new EventEmitter() as EventEmitter & { releases: number; query: (text: string) => Promise<{ rows: Array<{ locked: boolean }> }>; release: (error?: Error | boolean) => void };
  client.releases = 0;
  client.query = async () => ({ rows: [{ locked: true }] });
  client.release = () => {
    client.releases += 1;
    if (client.releases > 1) throw new Error('Release called on client which has already been released to the pool.');
  };
  return client;
}

const poolOf = (client: ReturnType<typeof pooledClient>) => ({ connect: async () => client }) as unknown as pg.Pool;

t.test('an error on the lock connection after close() does not release it again', async (t) => {
  const client = pooledClient();
  const locks = createClusterLocks({ pool: poolOf(client), log: pino({ level: 'silent' }) });
  await locks.run('conversation:1', async () => undefined);
  await locks.close();
  t.equal(client.releases, 1, 'close released it');
  t.doesNotThrow(() => client.emit('error', new Error('terminating connection due to administrator command')), 'the late error is not a second release');
  t.equal(client.releases, 1);
});

t.test('a second error on a lost lock connection does not release it again', async (t) => {
  const client = pooledClient();
  const locks = createClusterLocks({ pool: poolOf(client), log: pino({ level: 'silent' }) });
  await locks.run('conversation:1', async () => undefined);
  client.emit('error', new Error('terminating connection due to administrator command'));
  t.equal(client.releases, 1, 'the first error released it');
  t.doesNotThrow(() => client.emit('error', new Error('Connection terminated unexpectedly')));
  t.equal(client.releases, 1);
  await locks.close();
  t.equal(client.releases, 1, 'close does not release a connection already given back');
});
