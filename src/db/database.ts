// The store handle (SQLite or PostgreSQL) and opening the SQLite file: the only module that
// imports better-sqlite3 (PostgreSQL's side is src/db/postgres/open-postgres.ts).
import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, SelectQueryNode, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';
import type pg from 'pg';
import { StartupError } from '../startup-error.ts';
import type { Database } from './schema.ts';
import { BUSY_TIMEOUT_MS, whenWriteLockFree } from './write-lock.ts';

export const DATABASE_FILE = 'interhubz.db';

/**
 * The store: SQLite (the default, one file) or PostgreSQL (`database.url`, several replicas).
 * Everything goes through `kysely` in SQL both speak; code that needs the raw SQLite handle
 * (migrations, the intake's synchronous group commit) narrows on `dialect`.
 */
export type Db = SqliteDb | PostgresDb;

export interface SqliteDb {
  dialect: 'sqlite';
  kysely: Kysely<Database>;
  /** The raw handle, for migrations and synchronous transactions that must not interleave. */
  sqlite: SQLite.Database;
  path: string;
  /** Whether the WAL's checkpoint worker is running now (it runs only while the WAL needs it). */
  checkpointing(): boolean;
  close(): Promise<void>;
}

export interface PostgresDb {
  dialect: 'postgres';
  kysely: Kysely<Database>;
  pool: pg.Pool;
  /** The database URL without its password: for messages (logs name host, port and database only). */
  url: string;
  /** PostgreSQL checkpoints itself. */
  checkpointing(): false;
  close(): Promise<void>;
}

/**
 * The data directory holds credentials (sealed, with their key beside them) and customer ids: only
 * the daemon's user may enter it, and its files are readable by that user only, whatever the umask.
 */
const DATA_DIR_MODE = 0o700;
const DATA_FILE_MODE = 0o600;

/** Creates the data directory if needed (mode 0700) and proves it is writable, with a sentence that says how to fix it. */
export function ensureDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
    restrictMode(dataDir, DATA_DIR_MODE);
    accessSync(dataDir, constants.W_OK);
    const probe = join(dataDir, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new StartupError(
      `The data directory ${dataDir} cannot be written (${code}). ` +
        'Make it writable by the user running Interhubz (uid 1000 in the container) or set DATA_DIR to another directory.',
      1,
      { cause: error },
    );
  }
}

/**
 * Kysely's SQLite driver, its transactions begun IMMEDIATE (so are withSyncTransaction's): the write
 * lock is taken at BEGIN. A deferred transaction that read first and then wrote would get
 * SQLITE_BUSY at once instead (SQLite never waits to upgrade a read). This is the only connection
 * in the process that writes rows, so taking the lock early costs nothing.
 * Every statement that takes the write lock outside a transaction — BEGIN IMMEDIATE, and a write run
 * on its own, such as the scheduler's completion of a batch of jobs — waits for a lock held by the
 * checkpoint worker (RESTART, the idle TRUNCATE) on a timer (write-lock.ts), not in SQLite's busy
 * handler, which sleeps the thread: a 40-ms RESTART stopped it for 53 ms (test/bench/RESULTS.md).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #sqlite: SQLite.Database;
  #connection: DatabaseConnection | undefined;
  constructor(config: SqliteDialectConfig, sqlite: SQLite.Database) {
    super(config);
    this.#sqlite = sqlite;
  }
  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    return (this.#connection ??= waitingForWriteLock(connection, this.#sqlite));
  }
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * The connection with its lock-taking statements run through whenWriteLockFree. Inside a transaction
 * the lock is held already; a SELECT takes none. Kysely's SQLite connection runs the statement before
 * its first await, as whenWriteLockFree needs, and a statement refused with SQLITE_BUSY did nothing,
 * so running it again is safe.
 */
const waitingForWriteLock = (connection: DatabaseConnection, sqlite: SQLite.Database): DatabaseConnection => ({
  executeQuery: (query) => (sqlite.inTransaction || SelectQueryNode.is(query.query) ? connection.executeQuery(query) : whenWriteLockFree(sqlite, () => connection.executeQuery(query))),
  streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
});

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #sqlite: SQLite.Database;
  constructor(config: SqliteDialectConfig, sqlite: SQLite.Database) {
    super(config);
    this.#config = config;
    this.#sqlite = sqlite;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#sqlite);
  }
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query afresh, and preparing costs more than running the
 * small statements the job table issues (a fifth of the scheduler's CPU in `npm run bench -- jobs`).
 * Compiled SQL is stable text with bound parameters, so statements are cached by their SQL.
 */
function withStatementCache(sqlite: SQLite.Database) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(source: string) {
      let statement = cache.get(source);
      if (statement) {
        // Refresh its place: a Map iterates in insertion order, so the first key is the least used.
        cache.delete(source);
      } else {
        statement = sqlite.prepare(source);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(source, statement);
      return statement;
    },
  };
}

/**
 * How often the worker checkpoints. A checkpoint's fsyncs stall the writer's thread on this file for
 * a time that grows with what it copies: at 1,000 deliveries/s, checkpoints a second apart held the
 * intake up ~15–30 ms each (p99 at a steady 1,000/s 14–33 ms, median 23; ten seconds apart, 130 ms),
 * a quarter of a second apart p99 13–20 ms, median 18 (`npm run bench -- ingest`, drained_p99_ms;
 * test/bench/RESULTS.md). More fsyncs, each small: the disk's cost, not the requests'.
 */
const CHECKPOINT_INTERVAL_MS = 250;
/** How often this thread looks at the WAL's size while no worker runs (one stat). */
const WATCH_INTERVAL_MS = 1_000;
/** A WAL left by a burst is truncated after this long without a write (checkpoint-worker.ts). */
const IDLE_TRUNCATE_AFTER_MS = 30_000;
/**
 * The WAL size that wakes the checkpoint worker: SQLite's own automatic checkpoint threshold (1,000
 * pages of 4 KiB). Below it nothing needs checkpointing soon, and the worker — a second JavaScript
 * engine, ~15 MB resident — need not exist: an idle daemon writes a few pages a minute.
 */
const WAL_WAKE_BYTES = 1000 * 4096;

/**
 * The WAL's bound under a load that never pauses (checkpoint-worker.ts says why it needs one). A
 * restart stalls this thread's writes while the RESTART holds the write lock and syncs the WAL and
 * the database: 20–60 ms on this machine's disk, whatever the size. So rarely: at the ingest bench's
 * sustained 1,000 deliveries/s (~60 MB of frames a second) about every 16 s, which keeps the stall
 * out of the p99 (256 MB restarted every 4 s and put it there). The file keeps its size after a
 * restart (shrinking it on this thread cost 0.3 ms per MB); the idle TRUNCATE empties it.
 */
const WAL_RESTART_BYTES = 1024 * 1024 * 1024;

export interface OpenDbOptions {
  /** Tests shorten it to see a truncation without waiting half a minute. */
  idleTruncateAfterMs?: number;
  /** Tests lower it to see a restart without writing a gigabyte. */
  walRestartBytes?: number;
}

interface Checkpointer {
  /** Whether the worker is running now (it exits once it has truncated an idle WAL). */
  running(): boolean;
  stop(): Promise<void>;
}

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

/**
 * Watches the WAL's size from here (one stat a second) and runs the worker only while there is
 * something to checkpoint: started when the WAL reaches WAL_WAKE_BYTES, it checkpoints every
 * CHECKPOINT_INTERVAL_MS and exits after truncating the WAL of an idle database.
 */
function startCheckpointer(path: string, options: OpenDbOptions): Checkpointer {
  if (path === ':memory:') return { running: () => false, stop: async () => undefined };
  const intervalMs = Math.min(CHECKPOINT_INTERVAL_MS, options.idleTruncateAfterMs ?? CHECKPOINT_INTERVAL_MS);
  const watchMs = Math.min(WATCH_INTERVAL_MS, options.idleTruncateAfterMs ?? WATCH_INTERVAL_MS);
  let worker: { thread: Worker; exited: Promise<void> } | undefined;
  let stopping = false;
  const start = () => {
    // The same extension as this module: .ts from the sources, .js from the compiled build.
    const thread = new Worker(new URL(`./checkpoint-worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url), {
      workerData: {
        path,
        intervalMs,
        idleTruncateAfterMs: options.idleTruncateAfterMs ?? IDLE_TRUNCATE_AFTER_MS,
        restartBytes: options.walRestartBytes ?? WAL_RESTART_BYTES,
      },
    });
    thread.unref();
    const current = { thread, exited: new Promise<void>((resolve) => thread.once('exit', () => resolve())) };
    void current.exited.then(() => {
      if (worker === current) worker = undefined;
    });
    worker = current;
  };
  const watch = setInterval(() => {
    if (!worker && !stopping && walBytes(path) >= WAL_WAKE_BYTES) start();
  }, watchMs);
  watch.unref();
  return {
    running: () => worker !== undefined,
    async stop() {
      stopping = true;
      clearInterval(watch);
      const current = worker;
      if (!current) return;
      // Held by the loop again until its final checkpoint is written and it has exited.
      current.thread.ref();
      current.thread.postMessage('stop');
      await current.exited;
    },
  };
}

/**
 * Tightens a path's mode. A directory or file owned by another user (a bind mount the operator
 * prepared, writable through its group) cannot be changed by us: its owner chose its mode, and
 * refusing to start over it would help nobody, so only EPERM is let pass.
 */
function restrictMode(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  }
}

/** The database and its WAL and shared-memory files, created (or corrected) with mode 0600. */
function restrictFileModes(path: string): void {
  if (path === ':memory:') return;
  // SQLite gives the -wal and -shm files the database file's mode when it creates them, so a
  // database created 0600 here keeps its companions private too; existing files are corrected.
  if (!existsSync(path)) closeSync(openSync(path, 'a', DATA_FILE_MODE));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) restrictMode(file, DATA_FILE_MODE);
  }
}

/** Opens (creating if needed) the SQLite file. */
export function openSqlite(path: string, options: OpenDbOptions = {}): SqliteDb {
  let sqlite: SQLite.Database;
  try {
    restrictFileModes(path);
    sqlite = new SQLite(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Checkpoints run in a worker (checkpoint-worker.ts), not inside whichever write crosses the
    // threshold on this connection.
    sqlite.pragma('wal_autocheckpoint = 0');
    restrictFileModes(path);
  } catch (error) {
    throw new StartupError(
      `The database ${path} cannot be opened (${(error as Error).message}). ` +
        'If it is not an Interhubz database, move it away; otherwise restore it from a backup.',
      1,
      { cause: error },
    );
  }
  const kysely = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }, sqlite) });
  const checkpointer = startCheckpointer(path, options);
  let closed = false;
  return {
    dialect: 'sqlite',
    kysely,
    sqlite,
    path,
    checkpointing: checkpointer.running,
    async close() {
      if (closed) return;
      closed = true;
      await kysely.destroy();
      // Kysely closes the handle only if it ever used it; the last connection to close checkpoints
      // the WAL into the database file (the worker, when it runs, is that last one).
      if (sqlite.open) sqlite.close();
      await checkpointer.stop();
    },
  };
}

/** openSqlite under its older name, which many tests call. */
export function openDb(path: string, options: OpenDbOptions = {}): SqliteDb {
  return openSqlite(path, options);
}
