// The receiving end of notifySchedulers (src/jobs/wake-ups.ts) on PostgreSQL: one connection per
// replica, taken from the pool for good, LISTENs on the jobs channel and raises the local wake-up
// for each notification. A notification sent while that connection is down is lost, so after
// every reconnect a wake-up is raised anyway: the scheduler then looks at the table and finds
// whatever was enqueued meanwhile (it would within its max sleep regardless; this makes it prompt).
import type pg from 'pg';
import type { Logger } from 'pino';
import { JOBS_CHANNEL, type WakeUps } from './wake-ups.ts';

/** Waits between reconnect attempts: doubling from the first to the last, then staying there. */
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 5000;

export interface WakeUpListener {
  /** Resolves once the first LISTEN is in place (tests wait for it before they notify). */
  ready: Promise<void>;
  /** How many times the connection was lost and set up again. */
  reconnects(): number;
  close(): Promise<void>;
}

export function listenForWakeUps(options: { pool: pg.Pool; wakeUps: WakeUps; log: Logger; clock: () => number }): WakeUpListener {
  const { pool, wakeUps, clock } = options;
  const log = options.log.child({ component: 'job-wake-ups' });
  let client: pg.PoolClient | undefined;
  let closed = false;
  let delay = RECONNECT_FIRST_MS;
  let retry: NodeJS.Timeout | undefined;
  let reconnects = 0;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const onNotification = (message: pg.Notification) => {
    if (message.channel === JOBS_CHANNEL) wakeUps.raise(clock());
  };

  function lost(current: pg.PoolClient, error: Error): void {
    if (client !== current) return;
    client = undefined;
    current.off('notification', onNotification);
    // Closed, not pooled: a connection that failed is not reused.
    current.release(error);
    if (closed) return;
    log.warn({ err: error, retryInMs: delay }, 'lost the connection that listens for job wake-ups; reconnecting');
    reconnects += 1;
    schedule(true);
  }

  function schedule(afterLoss: boolean): void {
    retry = setTimeout(() => void connect(afterLoss), delay);
    retry.unref();
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  }

  async function connect(afterLoss: boolean): Promise<void> {
    retry = undefined;
    if (closed) return;
    let current: pg.PoolClient;
    try {
      current = await pool.connect();
    } catch (error) {
      log.warn({ err: error, retryInMs: delay }, 'cannot connect to listen for job wake-ups; retrying');
      schedule(afterLoss);
      return;
    }
    if (closed) {
      current.release();
      return;
    }
    client = current;
    current.on('notification', onNotification);
    current.on('error', (error: Error) => lost(current, error));
    current.on('end', () => lost(current, new Error('the connection ended')));
    try {
      await current.query(`LISTEN ${JOBS_CHANNEL}`);
    } catch (error) {
      lost(current, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    delay = RECONNECT_FIRST_MS;
    markReady();
    // Whatever was notified while no connection listened is lost: look at the table now.
    if (afterLoss) wakeUps.raise(clock());
  }

  void connect(false);

  return {
    ready,
    reconnects: () => reconnects,
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = undefined;
      if (!current) return;
      current.off('notification', onNotification);
      // The session ends with the connection, and its LISTEN with it.
      current.release(true);
    },
  };
}
