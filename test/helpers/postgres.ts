// A private PostgreSQL server for the tests (Debian's binaries, a data directory and a socket under
// the temp dir, a private port on 127.0.0.1), started on demand and reused: by the test files tap
// runs at the same time, and by later runs. A fresh, migrated database per test, cloned from a
// migrated template, dropped at teardown; eachStore runs a test once on each store.
//
// Starting is guarded by a lock directory (mkdir is atomic) holding its owner's pid: one process
// runs initdb and pg_ctl, the others wait until the server answers. A lock whose owner died is
// taken over. The running server's pid and port are PostgreSQL's own postmaster.pid.
//
// The cluster is a throwaway: trust authentication, listening on 127.0.0.1 and a socket in a
// directory only its owner may enter, fsync off.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Test } from 'tap';
import type { Db, PostgresDb } from '../../src/db/database.ts';
import { readMigrations } from '../../src/db/migrate.ts';
import { migratePostgres } from '../../src/db/postgres/migrate-postgres.ts';
import { openPostgres } from '../../src/db/postgres/open-postgres.ts';
import { makeTestDb } from './db.ts';
import { freePort } from './daemon-process.ts';
import type { Teardownable } from './server.ts';

const run = promisify(execFile);

const PG_ROOT = '/usr/lib/postgresql';
const INSTALL_HINT =
  "PostgreSQL's server binaries were not found under /usr/lib/postgresql/<version>/bin. " +
  "Install Debian's postgresql package (apt-get install -y postgresql; .ci/run does) to run the PostgreSQL tests.";
const START_TIMEOUT_MS = 120_000;

interface Paths {
  base: string;
  data: string;
  socket: string;
  lock: string;
  log: string;
}

/** One cluster per user: a root run and a developer's run never share (or fight over) it. */
function paths(): Paths {
  const base = join(tmpdir(), `interhubz-test-pg-${process.getuid?.() ?? 'user'}`);
  return { base, data: join(base, 'data'), socket: join(base, 'socket'), lock: join(base, 'start.lock'), log: join(base, 'server.log') };
}

function binDir(): string {
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) throw new Error(INSTALL_HINT);
  return join(PG_ROOT, versions[0], 'bin');
}

/** PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`Running as root, the PostgreSQL tests need the postgres user. ${INSTALL_HINT}`);
  return { uid: Number(uid), gid: Number(gid) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it belongs to another user (the postgres user, when we are not root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running server's pid and port, from postmaster.pid (lines 1 and 4), when its process lives. */
function postmaster(p: Paths): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(p.data, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0 || !alive(pid) || !isPostgres(pid)) return undefined;
  return { pid, port };
}

/**
 * Whether a living pid is a PostgreSQL server: a container restarted with /tmp kept can give a
 * stale postmaster.pid's number to another program (and PostgreSQL would then refuse to start).
 */
function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return true; // no /proc to ask: trust the pid
  }
}

async function accepting(bin: string, port: number): Promise<boolean> {
  try {
    await run(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-t', '2']);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Takes the start lock, or answers false while a living process holds it (a dead owner's lock is broken). */
function tryLock(p: Paths): boolean {
  try {
    mkdirSync(p.lock);
    writeFileSync(join(p.lock, 'owner'), String(process.pid));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  let owner: number | undefined;
  try {
    owner = Number(readFileSync(join(p.lock, 'owner'), 'utf8'));
  } catch {
    // Its owner is between mkdir and writing its pid, or died there: only an old lock is broken.
    try {
      if (Date.now() - statSync(p.lock).mtimeMs < 30_000) return false;
    } catch {
      return false;
    }
  }
  if (owner !== undefined && Number.isInteger(owner) && alive(owner)) return false;
  // Broken by moving it away (rename is atomic: of several processes that saw it dead, one wins).
  const aside = `${p.lock}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(p.lock, aside);
    rmSync(aside, { recursive: true, force: true });
  } catch {
    // Another process broke it first.
  }
  return false;
}

async function runAsServer(bin: string, program: string, args: string[], p: Paths): Promise<void> {
  const user = serverUser();
  try {
    await run(join(bin, program), args, { cwd: p.base, ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' } });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    let log = '';
    try {
      log = readFileSync(p.log, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      // no log yet
    }
    throw new Error(`${program} failed: ${stderr || stdout || (error as Error).message}${log ? `\nserver.log:\n${log}` : ''}`, { cause: error });
  }
}

/** initdb into a side directory, then one rename: a half-made cluster is never taken for one. */
async function initCluster(bin: string, p: Paths): Promise<void> {
  const user = serverUser();
  const fresh = `${p.data}.init`;
  rmSync(fresh, { recursive: true, force: true });
  mkdirSync(fresh, { mode: 0o700 });
  mkdirSync(p.socket, { recursive: true, mode: 0o700 });
  if (user) {
    chownSync(fresh, user.uid, user.gid);
    chownSync(p.socket, user.uid, user.gid);
  }
  await runAsServer(bin, 'initdb', ['-D', fresh, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], p);
  appendFileSync(
    join(fresh, 'postgresql.conf'),
    [
      '',
      '# interhubz test cluster (test/helpers/postgres.ts): throwaway, fast, private.',
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${p.socket}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'shared_buffers = 32MB',
      'max_connections = 200',
      "dynamic_shared_memory_type = 'mmap'",
      'log_min_messages = warning',
      '',
    ].join('\n'),
  );
  renameSync(fresh, p.data);
}

async function startCluster(bin: string, p: Paths): Promise<void> {
  const user = serverUser();
  mkdirSync(p.socket, { recursive: true, mode: 0o700 });
  if (user) chownSync(p.socket, user.uid, user.gid);
  if (!existsSync(p.log)) {
    writeFileSync(p.log, '');
    if (user) chownSync(p.log, user.uid, user.gid);
  }
  // A postmaster.pid whose process is gone (a killed server, a reboot) would stop the start.
  if (!postmaster(p)) rmSync(join(p.data, 'postmaster.pid'), { force: true });
  // pg_ctl detaches the server (its own session, output to the log): it outlives this process.
  // The free port may be taken by someone else before the server binds it: another is tried.
  for (let attempt = 1; ; attempt++) {
    try {
      await runAsServer(bin, 'pg_ctl', ['-D', p.data, '-l', p.log, '-w', '-t', '60', '-o', `-p ${await freePort()}`, 'start'], p);
      return;
    } catch (error) {
      if (attempt >= 3 || postmaster(p)) throw error;
    }
  }
}

async function ensureServer(): Promise<number> {
  const bin = binDir();
  const p = paths();
  mkdirSync(p.base, { recursive: true, mode: 0o755 });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const running = postmaster(p);
    if (running && (await accepting(bin, running.port))) return running.port;
    if (tryLock(p)) {
      try {
        const again = postmaster(p);
        if (!again) {
          if (!existsSync(join(p.data, 'PG_VERSION'))) await initCluster(bin, p);
          await startCluster(bin, p);
        }
        // A server that lives but does not answer yet (starting) is waited for below.
      } finally {
        rmSync(p.lock, { recursive: true, force: true });
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`The test PostgreSQL server in ${p.base} did not answer within ${START_TIMEOUT_MS / 1000} s (see ${p.log}).`);
    }
    await sleep(200);
  }
}

interface PgServer {
  /** A URL for `database` on the test server (trust authentication: no password). */
  url(database: string): string;
}

let server: Promise<PgServer> | undefined;

/** The test PostgreSQL server, started if it is not running; throws saying how to install it if it cannot be. */
export function pgServer(): Promise<PgServer> {
  if (!server) {
    server = ensureServer().then((port) => ({ url: (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}` }));
    // A failed start is not remembered: the next test tries again (and fails with its own message).
    server.catch(() => (server = undefined));
  }
  return server;
}

/** A short-lived connection to the server's maintenance database, for CREATE and DROP DATABASE. */
export async function withPgAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: (await pgServer()).url('postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const quote = (name: string) => pg.escapeIdentifier(name);

/**
 * The migrated template, named after what it holds (the PostgreSQL migrations' text): a change to a
 * migration, an override or the translator makes a new one; an existing one is reused. Built under
 * another name and renamed, so a template under its final name is always complete.
 */
async function template(): Promise<string> {
  const migrations = readMigrations(undefined, 'postgres');
  const digest = createHash('sha256');
  for (const m of migrations) digest.update(`${m.id}\n${m.sql}\n`);
  const name = `interhubz_template_${digest.digest('hex').slice(0, 16)}`;
  const exists = async (client: pg.Client, db: string) => ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rowCount ?? 0) > 0;
  return withPgAdmin(async (client) => {
    if (await exists(client, name)) return name;
    // Two test files may want it at once: one builds, the other waits for it here.
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    try {
      if (await exists(client, name)) return name;
      const building = `${name}_build_${process.pid}`;
      await client.query(`DROP DATABASE IF EXISTS ${quote(building)}`);
      await client.query(`CREATE DATABASE ${quote(building)}`);
      const pool = new pg.Pool({ connectionString: (await pgServer()).url(building), max: 1 });
      try {
        await migratePostgres(pool, migrations, () => 0);
      } finally {
        await pool.end();
      }
      await client.query(`ALTER DATABASE ${quote(building)} RENAME TO ${quote(name)}`);
      return name;
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
    }
  });
}

let databaseCount = 0;

/** Drops the test databases of test processes that died before their teardown. */
async function dropOrphans(client: pg.Client): Promise<void> {
  const rows = (await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'interhubz_test_%'")).rows;
  for (const { datname } of rows) {
    const pid = Number(/^interhubz_test_(\d+)_/.exec(datname)?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) await client.query(`DROP DATABASE IF EXISTS ${quote(datname)} WITH (FORCE)`);
  }
}

let orphansDropped = false;

interface TestPgDbOptions {
  /** false: an empty database (for tests of migrating itself). Default true. */
  migrated?: boolean;
}

/** A fresh, migrated PostgreSQL database of its own, dropped at teardown. */
export async function makeTestPgDb(t: Teardownable, options: TestPgDbOptions = {}): Promise<PostgresDb> {
  const source = options.migrated === false ? 'template0' : await template();
  const name = `interhubz_test_${process.pid}_${++databaseCount}_${Date.now().toString(36)}`;
  await withPgAdmin(async (client) => {
    if (!orphansDropped) {
      orphansDropped = true;
      await dropOrphans(client);
    }
    await client.query(`CREATE DATABASE ${quote(name)} TEMPLATE ${quote(source)}`);
  });
  const db = openPostgres((await pgServer()).url(name));
  t.teardown(async () => {
    await db.close();
    await withPgAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`));
  });
  return db;
}

/** Runs `fn` as two subtests: `${name} [sqlite]` on a fresh SQLite file, `${name} [postgres]` on a fresh PostgreSQL database. */
export function eachStore(t: Test, name: string, fn: (t: Test, db: Db) => unknown): void {
  t.test(`${name} [sqlite]`, async (t) => {
    await fn(t, makeTestDb(t));
  });
  t.test(`${name} [postgres]`, async (t) => {
    await fn(t, await makeTestPgDb(t));
  });
}
