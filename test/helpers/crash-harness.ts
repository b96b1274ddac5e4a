// What the kill-the-daemon tests share (test/capture/crash.test.ts, test/tickets/crash.test.ts):
// both simulators standalone in the test process, a store holding one connection wired to them and
// a capture job, and the daemon as a child process that a test can SIGKILL and start again on the
// same store. The store is the data directory's SQLite file, or with INTERHUBZ_TEST_STORE=postgres
// (test/on-postgres/) a fresh PostgreSQL database of the test's own, which the child is given
// through its configuration's database.url.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { Db } from '../../src/db/database.ts';
import { enqueueCapture, insertSimConnection, openDataDb, seedConversation, seedCustomer, startCaptureSims, TEST_SECRET_KEY, type CaptureSims } from './capture-sims.ts';
import { freePort, runDaemon, type DaemonProcess } from './daemon-process.ts';
import { makeTestPgDb } from './postgres.ts';
import { makeDataDir } from './server.ts';

/** Short leases and backoff, so a restarted daemon takes the killed run's job up within seconds. */
const CONFIG = ['sandbox:', '  enabled: false', 'jobs:', '  leaseSeconds: 2', '  backoffBaseSeconds: 1', '  maxSleepSeconds: 1', ''].join('\n');

/** The store the child daemons run on, as test/helpers/server.ts reads it for in-process daemons. */
function crashStore(): 'sqlite' | 'postgres' {
  const store = process.env.INTERHUBZ_TEST_STORE;
  if (store === undefined || store === '' || store === 'sqlite') return 'sqlite';
  if (store === 'postgres') return 'postgres';
  throw new Error(`INTERHUBZ_TEST_STORE must be sqlite or postgres, not ${JSON.stringify(store)}`);
}

export interface CrashSetup {
  sims: CaptureSims;
  dataDir: string;
  db: Db;
  connectionId: string;
  conversationId: string;
  jobId: number;
  env: Record<string, string>;
}

export async function crashSetup(
  t: Test,
  input: { customer: { email: string; name: string }; bodies: { first: string; reply: string; second: string }; tickets?: boolean },
): Promise<CrashSetup> {
  const sims = await startCaptureSims();
  t.teardown(() => sims.close());
  const customer = seedCustomer(sims, { ...input.customer, company: { name: 'Acme GmbH', website: 'https://www.acme.test' } });
  const conversationId = seedConversation(sims, customer.contactId, input.bodies);

  const { dataDir, configFile, db } = await crashStoreFiles(t, CONFIG);
  const row = await insertSimConnection(db, sims, Date.now(), { tickets: input.tickets === true });
  const jobId = await enqueueCapture(db, row.id, conversationId);
  const env = {
    DATA_DIR: dataDir, INTERHUBZ_CONFIG: configFile, INTERHUBZ_SECRET_KEY: TEST_SECRET_KEY, PORT: String(await freePort()),
    INTERHUBZ_ADMIN_PASSWORD: 'crash-test-password', LOG_LEVEL: 'debug',
  };
  return { sims, dataDir, db, connectionId: row.id, conversationId, jobId, env };
}

/**
 * A data directory, a configuration file holding `config`, and the store the child daemons will run
 * on (the directory's SQLite file, or a fresh PostgreSQL database named in the file's database.url),
 * opened for the test.
 */
export async function crashStoreFiles(t: Test, config: string): Promise<{ dataDir: string; configFile: string; db: Db }> {
  const dataDir = makeDataDir(t);
  const configFile = join(makeDataDir(t), 'config.yaml');
  if (crashStore() === 'postgres') {
    // Closed and dropped at teardown, after the child is killed (teardowns run last-registered first).
    // The child's vault key is INTERHUBZ_SECRET_KEY: PostgreSQL is never given a generated one.
    const db = await makeTestPgDb(t);
    writeFileSync(configFile, `${config}database:\n  url: ${JSON.stringify(db.url)}\n`);
    return { dataDir, configFile, db };
  }
  writeFileSync(configFile, config);
  const db = openDataDb(dataDir);
  t.teardown(() => db.close());
  return { dataDir, configFile, db };
}

/** A daemon child process, killed at teardown if the test left it running. */
export function startChild(t: Test, env: Record<string, string>): DaemonProcess {
  const daemon = runDaemon(env);
  t.teardown(() => {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
  });
  return daemon;
}

export async function stopChild(daemon: DaemonProcess) {
  daemon.child.kill('SIGTERM');
  return daemon.exited;
}

export const records = (s: CrashSetup, objectType: 'notes' | 'tickets') => s.sims.hubspot.sim.control.records({ hubId: s.sims.hubId, objectType });
export const creates = (s: CrashSetup, path: string) => s.sims.hubspot.sim.control.requests().entries.filter((e) => e.method === 'POST' && e.path === path).length;
export const captureRow = (s: CrashSetup) =>
  s.db.kysely.selectFrom('conversation_captures').selectAll().where('connection_id', '=', s.connectionId).where('conversation_id', '=', s.conversationId).executeTakeFirst();
export const ticketLink = (s: CrashSetup) =>
  s.db.kysely.selectFrom('ticket_links').selectAll().where('connection_id', '=', s.connectionId).where('conversation_id', '=', s.conversationId).executeTakeFirst();
export const jobRow = (s: CrashSetup) => s.db.kysely.selectFrom('jobs').selectAll().where('id', '=', s.jobId).executeTakeFirstOrThrow();
export const activityRows = (s: CrashSetup) => s.db.kysely.selectFrom('activity').selectAll().where('connection_id', '=', s.connectionId).orderBy('id').execute();

/**
 * The capture's work finished: the seeded job, or the job that took its key over (the restarted
 * daemon's reconcile sweep may feed the same conversation, and a newer job with the same key
 * supersedes the killed run's). `runs` counts the attempts of every job along that chain.
 */
export async function jobFinished(s: CrashSetup) {
  let row = await jobRow(s);
  let runs = row.attempts;
  while (row.status === 'cancelled' && row.superseded_by !== null) {
    row = await s.db.kysely.selectFrom('jobs').selectAll().where('id', '=', row.superseded_by).executeTakeFirstOrThrow();
    runs += row.attempts;
  }
  return row.status === 'succeeded' || row.status === 'failed' ? { ...row, runs } : undefined;
}

/** What a timed-out wait prints: the job, the capture and ticket rows, the simulator's calls and the daemon's log. */
export async function explain(s: CrashSetup, daemon: DaemonProcess) {
  const calls = s.sims.hubspot.sim.control.requests().entries.map((e) => `${e.method} ${e.path} ${e.status}`);
  return JSON.stringify({ job: await jobRow(s), capture: await captureRow(s), ticket: await ticketLink(s), hubspot: calls }, null, 1) + `\nstdout:\n${daemon.stdout()}\nstderr:\n${daemon.stderr()}`;
}
