// Runs in a worker thread: checkpoints the WAL on its own connection, so the main thread never
// stalls on a checkpoint's disk writes and fsync (which, done automatically on the writer's
// connection, put 0.5 s spikes into webhook latency in `npm run bench -- ingest`).
// PASSIVE never blocks the main connection's readers or writers.
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new SQLite(path);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort?.postMessage({ error: (error as Error).message });
  }
}, intervalMs);
parentPort?.on('message', (message: unknown) => {
  if (message === 'stop') {
    clearInterval(timer);
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
      parentPort?.close();
    }
  }
});
