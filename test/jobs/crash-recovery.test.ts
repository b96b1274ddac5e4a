// Kill the process between an upstream effect and its local record: the job must complete after a
// restart, and a handler that keeps the idempotency contract must produce its effect once.
// The workers run on a SQLite file, or with INTERHUBZ_TEST_STORE=postgres (test/on-postgres/) on a
// PostgreSQL database of the test's own, handed to them by its URL.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import t from 'tap';
import { openDb, type Db } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { enqueueJob, getJob } from '../../src/jobs/queue.ts';
import { makeTestPgDb } from '../helpers/postgres.ts';
import { makeDataDir } from '../helpers/server.ts';

const WORKER = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url));

/** A stand-in for HubSpot: notes created, findable by idempotency key. */
async function fakeUpstream(t: Parameters<typeof makeDataDir>[0]) {
  const notes = new Map<string, string>();
  let creates = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET') {
      const id = notes.get(url.searchParams.get('idempotencyKey') ?? '');
      res.end(JSON.stringify(id ? { id } : {}));
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      creates += 1;
      const id = `note-${creates}`;
      notes.set((JSON.parse(body) as { idempotencyKey: string }).idempotencyKey, id);
      res.end(JSON.stringify({ id }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, creates: () => creates };
}

/** The store under test and what a worker is told to open: the SQLite file's path or the database's URL. */
async function testStore(t: Parameters<typeof makeDataDir>[0]): Promise<{ db: Db; store: string }> {
  const choice = process.env.INTERHUBZ_TEST_STORE;
  if (choice === 'postgres') {
    // Closed and dropped at teardown, after the workers have exited.
    const db = await makeTestPgDb(t);
    return { db, store: db.url };
  }
  if (choice !== undefined && choice !== '' && choice !== 'sqlite') throw new Error(`INTERHUBZ_TEST_STORE must be sqlite or postgres, not ${JSON.stringify(choice)}`);
  const dbPath = join(makeDataDir(t), 'jobs.db');
  const db = openDb(dbPath);
  migrate(db.sqlite);
  t.teardown(() => db.close());
  return { db, store: dbPath };
}

function startWorker(store: string, upstream: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [WORKER, store, upstream], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const waiter of waiters) if (out.includes(waiter.text)) waiter.resolve();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    waitFor: (text: string) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void exited.then(() => (out.includes(text) ? resolve() : reject(new Error(`worker exited before printing ${text}: ${out}`))));
      }),
  };
}

async function crashScenario(t: Parameters<typeof makeDataDir>[0], env: Record<string, string>) {
  const { db, store } = await testStore(t);
  const { id } = await enqueueJob(db.kysely, { task: 'create-note', payload: { conversationId: '77' }, key: 'note:77' }, { now: Date.now(), maxAttempts: 5 });
  const upstream = await fakeUpstream(t);

  const first = startWorker(store, upstream.url, { ...env, HANG_AFTER_EFFECT: '1', LEASE_MS: '3000' });
  await first.waitFor('EFFECT_DONE');
  first.child.kill('SIGKILL');
  await first.exited;
  const afterCrash = await getJob(db.kysely, id);

  const second = startWorker(store, upstream.url, { ...env, LEASE_MS: '3000' });
  await second.waitFor('ALL_DONE');
  await second.exited;
  const final = await getJob(db.kysely, id);
  const linkage = (await sql<{ note_id: string }>`SELECT note_id FROM test_linkage`.execute(db.kysely)).rows;
  return { afterCrash, final, creates: upstream.creates(), linkage };
}

t.test('SIGKILL mid-handler: the job completes after a restart and its effect happens once', async (t) => {
  const { afterCrash, final, creates, linkage } = await crashScenario(t, {});
  t.match(afterCrash, { status: 'running', attempts: 1 }, 'the killed run left its lease behind');
  t.match(final, { status: 'succeeded', attempts: 2, locked_by: null }, 'the lease expired and the restarted process finished it');
  t.equal(creates, 1, 'exactly one note upstream');
  t.same(linkage, [{ note_id: 'note-1' }], 'linked to the note the first run made');
});

t.test('the same crash with a handler that skips look-before-write duplicates the effect', async (t) => {
  // Shows the test above can fail: the contract, not luck, is what keeps the effect single.
  const { final, creates } = await crashScenario(t, { NAIVE: '1' });
  t.match(final, { status: 'succeeded' });
  t.equal(creates, 2, 'a second note: what the idempotency contract prevents');
});
