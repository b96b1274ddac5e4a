// Runs in a worker thread: checkpoints the WAL on its own connection, so the main thread never
// stalls on a checkpoint's disk writes and fsync (which, done automatically on the writer's
// connection, put 0.5 s spikes into webhook latency in `npm run bench -- ingest`).
// PASSIVE never blocks the main connection's readers or writers. PASSIVE never shrinks the file
// either, so a burst leaves a WAL as large as the burst until shutdown (169 MB was seen): once no
// other connection has committed for `idleTruncateAfterMs`, a TRUNCATE empties it. Idle means
// nobody is waiting on it: TRUNCATE holds the write lock while it shrinks the file (~0.3 ms per MB
// here), and a commit meanwhile waits (BEGIN IMMEDIATE: src/db/database.ts). Then the
// worker exits: database.ts starts it again when the WAL grows (an idle daemon keeps no second
// JavaScript engine around).
// SQLite writes the WAL from its beginning again only when a writer finds every frame checkpointed,
// which commits that never pause never allow: under a sustained load the file grew by every commit
// (2.6 GB in the ingest bench's 30 s). Past `restartBytes` of frames a RESTART checkpoint makes the
// next commit start the WAL over. RESTART holds the write lock while it copies what is left and
// syncs, so it runs only right after a PASSIVE left little to copy; the main connection's
// transactions wait for it (BEGIN IMMEDIATE: src/db/database.ts), its thread asleep in SQLite's
// busy handler.
// That is also why this connection has no busy timeout. A RESTART that finds a reader still on the
// WAL waits for it with the write lock held, and under a busy timeout it waited in the busy
// handler's steps (1, 2, 5, 10, 15, 20, 25 ms…): every RESTART under the ingest bench's 1,000
// deliveries/s took 18–138 ms, and the intake stood still as long (test/bench/RESULTS.md, twelfth
// session). Without one it gives up at once, having held the lock only to look and copy, and is
// tried again a millisecond later, a few times a tick. The idle TRUNCATE gives up the same way.
// What a RESTART still costs the intake is its syncs: the frames committed since the PASSIVE before
// it are copied and the WAL and database file synced under the lock (30–57 ms there, two fsyncs).
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

const { path, intervalMs, idleTruncateAfterMs, restartBytes } = workerData as {
  path: string;
  intervalMs: number;
  idleTruncateAfterMs: number;
  restartBytes: number;
};
const db = new SQLite(path);
db.pragma('busy_timeout = 0');
/** A frame is a page and its 24-byte header. */
const restartFrames = Math.ceil(restartBytes / ((db.pragma('page_size', { simple: true }) as number) + 24));
/** "Little left to copy": at most this many frames (4 MB) behind after the PASSIVE (a few ms of copying under the lock). */
const RESTART_BACKLOG_FRAMES = 1024;
/**
 * RESTARTs tried a tick, a millisecond apart: enough to slip between the daemon's own short reads;
 * a long read is outlasted over ticks, not with the lock held.
 */
const RESTART_TRIES = 20;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Whether the WAL was restarted. */
function restartWal(): boolean {
  for (let attempt = 0; attempt < RESTART_TRIES; attempt++) {
    if (attempt > 0) Atomics.wait(pause, 0, 0, 1);
    const [result] = db.pragma('wal_checkpoint(RESTART)') as Array<{ busy: number }>;
    if (result?.busy === 0) return true;
  }
  return false;
}

// data_version changes whenever another connection commits: the cheapest "was there a write?".
let lastVersion = db.pragma('data_version', { simple: true }) as number;
let quietSince = Date.now();
let truncatedSinceLastWrite = false;
/** data_version when a RESTART last succeeded. */
let restartedAtVersion: number | undefined;

const timer = setInterval(() => {
  try {
    const version = db.pragma('data_version', { simple: true }) as number;
    if (version !== lastVersion) {
      lastVersion = version;
      quietSince = Date.now();
      truncatedSinceLastWrite = false;
    }
    if (!truncatedSinceLastWrite && Date.now() - quietSince >= idleTruncateAfterMs) {
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      // Busy: a reader or writer appeared; try again on the next tick.
      if (result?.busy === 0) {
        truncatedSinceLastWrite = true;
        finish();
        return;
      }
    } else {
      const [passive] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
      // Once restarted, the WAL is started over by the next commit: until one comes, another RESTART
      // would only take the write lock again to find the same.
      const due = passive && passive.log >= restartFrames && passive.log - passive.checkpointed <= RESTART_BACKLOG_FRAMES;
      if (due && version !== restartedAtVersion && restartWal()) restartedAtVersion = version;
    }
  } catch (error) {
    parentPort?.postMessage({ error: (error as Error).message });
  }
}, intervalMs);
let finished = false;
function finish(): void {
  if (finished) return;
  finished = true;
  clearInterval(timer);
  db.close();
  parentPort?.close();
}
parentPort?.on('message', (message: unknown) => {
  if (message === 'stop' && !finished) {
    try {
      // The main connection is closed by now: waiting for a reader elsewhere stalls nobody.
      db.pragma('busy_timeout = 1000');
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      finish();
    }
  }
});
