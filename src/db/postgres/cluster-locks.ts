// Work on one key runs on one replica at a time (issue #21): the keyed locks of src/conversations/
// keyed-lock.ts — one conversation's capture, one customer's or one company's match — held across
// every replica on one PostgreSQL database. Without it two replicas matching a new company at the
// same moment both searched HubSpot, neither saw the other's create in HubSpot's lagging search
// index, and the company was created twice (test/replicas/three-replicas.test.ts).
//
// The locks are session advisory locks on one connection of this replica's own, taken with
// pg_try_advisory_lock and asked again after a short wait while another replica holds the key:
// a blocking pg_advisory_lock would hold that connection, and with it every other key of this
// replica, until the other replica let go. The work itself (HubSpot calls included) runs outside
// any transaction; the session only holds the lock. One replica asks for a key once at a time:
// the in-process chain of keyed-lock.ts serialises its own work on the key first.
//
// If the lock's connection dies, PostgreSQL releases its locks with the session; the work under way
// goes on (it cannot be cut short safely) and another replica may enter the key meanwhile. What
// makes that harmless is what already covers a crash: the write-once protocols (pending references
// on captures and links) of the capture path.
import type { Logger } from 'pino';
import type pg from 'pg';
import { advisoryLockKey } from './advisory-lock.ts';

export interface ClusterLocks {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Waits between asks while another replica holds a key: doubling from the first to the last. */
const RETRY_MS = [10, 20, 40, 80, 160, 250] as const;

export function createClusterLocks(options: { pool: pg.Pool; log: Logger; sleep?: (ms: number) => Promise<void> }): ClusterLocks {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let session: Promise<pg.PoolClient> | undefined;
  let closed = false;
  /**
   * Clients given back to the pool. A connection can report an error after close() gave it back (a
   * server's FATAL on its way in), or twice; pg-pool throws on a second release, and from inside
   * this 'error' handler that is an uncaught exception.
   */
  const released = new WeakSet<pg.PoolClient>();
  const release = (client: pg.PoolClient, error: Error | boolean) => {
    if (released.has(client)) return;
    released.add(client);
    client.release(error);
  };

  const connect = () =>
    (session ??= options.pool.connect().then(
      (client) => {
        client.on('error', (error: Error) => {
          if (released.has(client)) return;
          options.log.warn({ err: error.message }, 'lost the connection that holds cross-replica locks; work under way keeps running, the next lock opens a new one');
          session = undefined;
          release(client, error);
        });
        return client;
      },
      (error: unknown) => {
        session = undefined;
        throw error;
      },
    ));

  async function acquire(lockKey: string): Promise<pg.PoolClient> {
    for (let attempt = 0; ; attempt += 1) {
      if (closed) throw new Error('the cross-replica locks are closed (shutting down)');
      const client = await connect();
      const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [lockKey]);
      if (result.rows[0]?.locked === true) return client;
      await sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)] ?? 250);
    }
  }

  return {
    async run(key, work) {
      const lockKey = advisoryLockKey(`keyed:${key}`);
      const client = await acquire(lockKey);
      try {
        return await work();
      } finally {
        // Unlocked on the session that locked it; a session lost meanwhile released it already.
        if (session !== undefined && (await session.catch(() => undefined)) === client) {
          await client.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey]).catch((error: unknown) => {
            options.log.warn({ err: (error as Error).message }, 'could not release a cross-replica lock; it ends with its connection');
          });
        }
      }
    },
    async close() {
      closed = true;
      const current = session;
      session = undefined;
      const client = current && (await current.catch(() => undefined));
      if (client) release(client, true);
    },
  };
}
