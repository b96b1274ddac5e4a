// Opens the PostgreSQL store (`database.url`): a pg.Pool behind Kysely's PostgresDialect. The only
// module that creates a pg.Pool. The URL is a credential: messages name host, port and database only.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { StartupError } from '../../startup-error.ts';
import type { PostgresDb } from '../database.ts';
import type { Database } from '../schema.ts';
import { describeDatabaseUrl, passwordOf, redactDatabaseUrl } from './database-url.ts';

/** PostgreSQL's type oids for BIGINT (INT8), NUMERIC and their arrays (pg_type.dat). */
const INT8 = 20;
const NUMERIC = 1700;
const INT8_ARRAY = 1016;
const NUMERIC_ARRAY = 1231;

class UnsafeNumberError extends Error {
  override name = 'UnsafeNumberError';
}

/**
 * BIGINT columns hold ids and epoch-ms times, and count() and sum() answer BIGINT or NUMERIC: the
 * code reads them as JS numbers, as SQLite gives them. pg answers strings for both (an int8 can
 * exceed 2^53); a value a number cannot hold exactly is refused rather than rounded.
 */
function toNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) {
    throw new UnsafeNumberError(`the database answered ${text}, which a JavaScript number cannot hold exactly`);
  }
  return value;
}

/** pg's own parsers, with BIGINT and NUMERIC (and their arrays) made numbers. */
const numberTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === 'binary') return pg.types.getTypeParser(oid, format);
    if (oid === INT8 || oid === NUMERIC) return toNumber;
    if (oid === INT8_ARRAY || oid === NUMERIC_ARRAY) {
      // pg-types' TypeId lists only the scalar oids; its parser for these arrays answers strings.
      const strings = (pg.types.getTypeParser as (oid: number, format: 'text') => (text: string) => Array<string | null>)(oid, 'text');
      return (text: string) => strings(text).map((item) => (item === null ? null : toNumber(item)));
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export interface OpenPostgresOptions {
  /** Connections in the pool; one daemon's job slots, intake and HTTP requests share it. */
  max?: number;
  /** A statement running longer is cancelled by the server (ms). */
  statementTimeoutMs?: number;
  /** A pooled idle connection that fails (server restart, network cut) is dropped; this hears of it. */
  onIdleError?: (error: Error) => void;
}

const DEFAULT_POOL_SIZE = 10;
/** Far above any statement the daemon issues; a stuck one should not hold its connection forever. */
const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** A transaction left open (a bug) releases its locks after this long. */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long an unused connection stays open. pg's default (10 s) closed most of the pool after any
 * quiet spell, and the next burst of work — an Inbox-app open with its reads side by side, inside
 * Intercom's answer deadline — paid a new connection each (TCP, authentication, backend start:
 * 5–30 ms). A few connections held per replica cost the server little.
 */
const IDLE_CONNECTION_MS = 10 * 60_000;
/** Connections opened at start (warmPool), so that the first requests do not pay for opening them. */
const WARM_CONNECTIONS = 4;

/**
 * Opens `count` of the pool's connections at once and returns them to it. A failure is the caller's
 * to report (the start's own checks fail the same way a moment later).
 */
export async function warmPool(pool: pg.Pool, count = WARM_CONNECTIONS): Promise<void> {
  const clients = await Promise.allSettled(Array.from({ length: count }, () => pool.connect()));
  for (const client of clients) if (client.status === 'fulfilled') client.value.release();
}

/**
 * The handle, with no connection made yet (the pool connects on first use): `connectPostgres`
 * proves the server answers, with a start-up sentence when it does not.
 */
export function openPostgres(url: string, options: OpenPostgresOptions = {}): PostgresDb {
  if (!/^postgres(?:ql)?:\/\//.test(url)) {
    throw new StartupError(`database.url must be a postgres:// or postgresql:// URL (it is ${redactDatabaseUrl(url)}).`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? DEFAULT_POOL_SIZE,
    application_name: 'interhubz',
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_CONNECTION_MS,
    types: numberTypes,
  });
  // Without a listener, an idle client's error (the server restarted) would end the process.
  pool.on('error', (error) => options.onIdleError?.(error));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    dialect: 'postgres',
    kysely,
    pool,
    url: redactDatabaseUrl(url),
    checkpointing: () => false,
    async close() {
      if (closed) return;
      closed = true;
      // Kysely ends the pool if it ever used it; otherwise it is ended here.
      await kysely.destroy();
      if (!pool.ending && !pool.ended) await pool.end();
    },
  };
}

/** Proves the server answers (`select 1`); a StartupError naming database.url and the host otherwise. */
export async function connectPostgres(db: PostgresDb, rawUrl: string): Promise<void> {
  try {
    await sql`select 1`.execute(db.kysely);
  } catch (error) {
    // pg's messages name the host and user but not the password; should one ever echo the URL or
    // the password, they are blotted out here all the same.
    const password = passwordOf(rawUrl);
    let reason = (error as Error).message.replaceAll(rawUrl, db.url);
    if (password) reason = reason.replaceAll(password, '***');
    throw new StartupError(
      `The PostgreSQL database at ${describeDatabaseUrl(rawUrl)} (database.url) cannot be reached: ${reason}. ` +
        'Check database.url (or DATABASE_URL): host, port, database name, user and password, and that the server accepts connections from here.',
      1,
      { cause: error },
    );
  }
}
