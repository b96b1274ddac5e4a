// The chaos run (issue #13 item 6), shared by the benchmark (`npm run bench -- chaos`, full size)
// and the test suite (test/chaos/chaos.test.ts, reduced size): the simulators in a process of their
// own with faults on every upstream call, the daemon a child process SIGKILLed every few seconds
// and restarted at once, customers at shared companies (some on free-mail addresses) having
// conversations — some reopened and closed again, some routed to tickets — while Intercom drops,
// duplicates and reorders its webhooks and retries failed deliveries a minute later. Then the
// killing stops, the daemon drains, and the HubSpot simulator's records say whether every closed
// conversation became exactly one note with its last message, on one contact linked to one company.
//
// Every message carries a unique marker (`zq<run>c<conversation>m<message>`): the notes are tied to
// their conversations through it, and it must appear nowhere in the data directory or the logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import { DATABASE_FILE } from '../../src/db/database.ts';
import { connectionOwner, putCredential } from '../../src/db/repos/credentials.ts';
import type { ConnectionRow } from '../../src/db/schema.ts';
import { STATIC_TOKEN_KIND } from '../../src/integrations/hubspot/auth.ts';
import { INTERCOM_TOKEN_KIND } from '../../src/integrations/intercom/auth.ts';
import { keyIdOf } from '../../src/vault/secret-key.ts';
import { createVault } from '../../src/vault/vault.ts';
import { webhookSecretKind } from '../../src/webhooks/signing-secrets.ts';
import { INTERCOM_CONVERSATION_TOPICS, openDataDb, TEST_SECRET_KEY } from '../helpers/capture-sims.ts';
import { freePort, REPO_ROOT } from '../helpers/daemon-process.ts';
import type { ChaosSimsOptions, ChaosSimsReady, ChaosStats } from './chaos-sims.ts';

export interface ChaosSize {
  conversations: number;
  customers: number;
  companies: number;
  /** Conversations start spread over this many seconds; the killing goes on until the last one is done. */
  loadSeconds: number;
  /** Seconds between two kills: uniformly drawn from this range. */
  killEverySeconds: [number, number];
  /**
   * The drain gives up after this long. A capture that lived through kills and faults can be due
   * minutes after the load ends: each kill costs it the 60-s lease, each failure a backoff that
   * doubles (5, 10, 20, 40, 80 s…), so the drain must outlast a few of both, on a slow machine too.
   */
  drainTimeoutSeconds: number;
}

/** The benchmark: at least 1,000 conversations from a few hundred customers (issue #13 item 6). */
export const FULL_CHAOS: ChaosSize = { conversations: 1000, customers: 300, companies: 80, loadSeconds: 420, killEverySeconds: [5, 15], drainTimeoutSeconds: 300 };
/** The test suite's version: the same run, smaller, with a few kills. */
export const REDUCED_CHAOS: ChaosSize = { conversations: 150, customers: 50, companies: 15, loadSeconds: 35, killEverySeconds: [5, 15], drainTimeoutSeconds: 300 };

export interface ChaosFigures {
  conversations: number;
  captured: number;
  missing: number;
  stale_notes: number;
  duplicate_notes: number;
  duplicate_contacts: number;
  duplicate_companies: number;
  unlinked_contacts: number;
  duplicate_tickets: number;
  kills: number;
  faults: number;
  drain_s: number;
  wedged: boolean;
  content_at_rest: number;
  /** Daemon processes that exited without being killed (a crash, or a start that failed). */
  daemon_crashes: number;
  /** What stands behind the figures above, for a person reading a failed run. */
  detail: Record<string, unknown>;
}

/** ~20 % of HubSpot calls fail, of every kind the simulator knows. */
const HUBSPOT_FAULTS = { '429': 0.05, '500': 0.03, '503': 0.03, timeout: 0.02, reset: 0.02, answer_lost: 0.03, answer_held: 0.02 };
/**
 * ~5 % of Intercom calls. Few of them 429s: Intercom's 429 says the workspace's quota for the
 * 10-second window is spent, so the daemon rightly holds all of the workspace's calls until the
 * window resets, and at 1 % the run spends much of its time waiting.
 */
const INTERCOM_FAULTS = { '429': 0.003, '500': 0.012, '503': 0.012, timeout: 0.005, reset: 0.012, answer_lost: 0.006 };
/** ~10 % of webhooks dropped, some duplicated and reordered. */
const WEBHOOK_FAULTS = { drop: 0.1, duplicate: 0.03, reorder: 0.03 };

const FREE_MAIL = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com'];
const GRACE_MINUTES = 0.1;

/**
 * The daemon's configuration for the run. The lease (60 s) and everything else not named here keep
 * their defaults; what is shortened is what would otherwise not fit in 15 minutes: the sweep
 * interval (1 minute, the smallest), how long a held HubSpot answer is waited for, and the grace
 * window (a per-connection setting, GRACE_MINUTES). The HubSpot budget is a Professional portal's.
 */
const DAEMON_CONFIG = [
  'sandbox:', '  enabled: false',
  'upstream:', '  connectTimeoutSeconds: 2', '  responseTimeoutSeconds: 3', '  hubspot:', '    burstPer10s: 190',
  'reconcile:', '  intervalMinutes: 1',
  '',
].join('\n');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (low: number, high: number) => low + Math.random() * (high - low);
const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;

interface Customer {
  email: string;
  contactId: string;
  /** The company's domain, or null for a customer without one. */
  domain: string | null;
}

interface PlannedConversation {
  index: number;
  customer: Customer;
  ticket: boolean;
  reopen: boolean;
  id: string | null;
  lastMarker: string | null;
  done: boolean;
  error: string | null;
}

interface Record_ {
  id: string;
  properties: Record<string, string>;
  associations: Record<string, Array<{ id: string }>>;
}

async function json<T>(url: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, {
        method: init.method ?? 'GET',
        headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text.slice(0, 300)}`);
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (error) {
      // The control API is never faulted; only a busy machine's hiccup is retried.
      if (attempt >= 3 || (error as Error).message.includes(': 4')) throw error;
      await sleep(200);
    }
  }
}

/** The simulators' process; resolves once they listen. */
async function startSims(options: ChaosSimsOptions): Promise<{ child: ChildProcess; ready: ChaosSimsReady }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'test/chaos/chaos-sims.ts'), JSON.stringify(options)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let buffered = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    buffered += chunk.toString();
    const line = buffered.split('\n')[0];
    if (buffered.includes('\n') && line) return { child, ready: JSON.parse(line) as ChaosSimsReady };
  }
  throw new Error('the simulators exited before they listened');
}

/** A token connection to the simulators in a fresh data directory, credentials sealed with TEST_SECRET_KEY. */
async function prepareDataDir(dataDir: string, sims: ChaosSimsReady): Promise<string> {
  const ic = sims.intercom;
  const intercomToken = (await json<{ token: string }>(`${ic.url}/_sim/workspaces/${ic.workspaceId}/tokens`, { method: 'POST', body: {} })).token;
  const hubspotToken = (await json<{ token: string }>(`${sims.hubspot.url}/_sim/tokens`, { method: 'POST', body: { hubId: sims.hubspot.hubId } })).token;
  const settings = ConnectionSettings.parse({
    conversations: {
      capture: { graceMinutes: GRACE_MINUTES },
      // Conversations here last seconds, not minutes.
      guards: { minDurationMinutes: 0 },
      routing: { rules: [{ name: 'Tickets for tagged conversations', when: { tags: ['ticket'] }, destinations: ['contact', 'company', 'ticket'] }] },
    },
    // The subject names the conversation, so the check can count tickets per conversation.
    tickets: { subjectTemplate: 'Chaos conversation {id}' },
  });
  const db = openDataDb(dataDir);
  try {
    const now = Date.now();
    const row: ConnectionRow = {
      id: randomUUID(), name: 'Chaos', status: 'active', managed_by_config: 0, created_at: now, updated_at: now,
      intercom_workspace_id: ic.workspaceId, intercom_region: 'us', hubspot_portal_id: sims.hubspot.hubId, settings: JSON.stringify(settings),
      intercom_base_url: ic.url, hubspot_base_url: sims.hubspot.url,
      intercom_auth: 'token', hubspot_auth: 'token', hubspot_scopes: null, intercom_refused: 0, hubspot_refused: 0,
    };
    await db.kysely.insertInto('connections').values(row).execute();
    const key = Buffer.from(TEST_SECRET_KEY, 'base64');
    const vault = createVault({ key, id: keyIdOf(key) });
    const owner = connectionOwner(row.id);
    await putCredential(db.kysely, vault, { owner, kind: INTERCOM_TOKEN_KIND, value: intercomToken, now });
    await putCredential(db.kysely, vault, { owner, kind: STATIC_TOKEN_KIND, value: hubspotToken, now });
    await putCredential(db.kysely, vault, { owner, kind: webhookSecretKind('intercom'), value: ic.clientSecret, now });
    return row.id;
  } finally {
    await db.close();
  }
}

/** The daemon as a child process whose stdout and stderr append to one log file. */
function spawnDaemon(env: Record<string, string>, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    return spawn(process.execPath, ['src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
}

/**
 * Keeps one daemon running: `kill()` SIGKILLs it and starts the next at once; a daemon that exits
 * by itself (it crashed) is counted, with its exit code, and started again a second later.
 */
function superviseDaemon(env: Record<string, string>, logFile: string) {
  let child: ChildProcess | null = null;
  let stopping = false;
  const crashes: Array<{ at: string; code: number | null; signal: string | null }> = [];
  const start = () => {
    const started = spawnDaemon(env, logFile);
    child = started;
    started.once('exit', (code, signal) => {
      if (child !== started || stopping) return;
      crashes.push({ at: new Date().toISOString(), code, signal });
      child = null;
      setTimeout(() => {
        if (!stopping && child === null) start();
      }, 1000);
    });
  };
  const exit = async (signal: NodeJS.Signals) => {
    const dying = child;
    child = null;
    if (!dying || dying.exitCode !== null || dying.signalCode !== null) return;
    const exited = once(dying, 'exit');
    dying.kill(signal);
    await exited;
  };
  start();
  return {
    crashes,
    async kill(): Promise<void> {
      await exit('SIGKILL');
      start();
    },
    /** SIGTERM, and no restart. */
    async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
      stopping = true;
      await exit(signal);
    },
  };
}

async function waitHealthy(baseUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`the daemon did not answer /healthz within ${timeoutMs} ms`);
}

/** Counts of every occurrence of `needle` in the files under `dir` (the database, its WAL, anything else). */
function occurrences(paths: string[], needle: string): { total: number; files: Record<string, number> } {
  const bytes = Buffer.from(needle);
  const files: Record<string, number> = {};
  let total = 0;
  const visit = (path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) return readdirSync(path).forEach((name) => visit(join(path, name)));
    const content = readFileSync(path);
    let count = 0;
    for (let at = content.indexOf(bytes); at !== -1; at = content.indexOf(bytes, at + 1)) count += 1;
    if (count > 0) files[path] = count;
    total += count;
  };
  paths.forEach(visit);
  return { total, files };
}

export async function runChaos(size: ChaosSize, progress: (message: string) => void = () => undefined): Promise<ChaosFigures> {
  const run = randomBytes(4).toString('hex');
  const markerPrefix = `zq${run}`;
  const marker = (conversation: number, message: number) => `${markerPrefix}c${conversation}m${message}`;
  const work = mkdtempSync(join(tmpdir(), 'interhubz-chaos-'));
  const dataDir = join(work, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const logFile = join(work, 'daemon.log');
  const configFile = join(work, 'config.yaml');
  writeFileSync(configFile, DAEMON_CONFIG);

  const { child: simsChild, ready: sims } = await startSims({
    hubspotFaults: HUBSPOT_FAULTS, intercomFaults: INTERCOM_FAULTS, webhookFaults: WEBHOOK_FAULTS,
    hubspotSearchLagMs: 5_000, intercomIndexDelaySeconds: 20, hubspotBurstPer10s: 190,
  });
  const ic = sims.intercom;
  const control = (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') => json<Record<string, unknown>>(`${ic.url}/_sim${path}`, { method, body });
  let daemon: ReturnType<typeof superviseDaemon> | null = null;
  try {
    progress(`run ${run}: simulators at ${ic.url} (Intercom) and ${sims.hubspot.url} (HubSpot); work directory ${work}`);
    const connectionId = await prepareDataDir(dataDir, sims);
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = { DATA_DIR: dataDir, INTERHUBZ_CONFIG: configFile, INTERHUBZ_SECRET_KEY: TEST_SECRET_KEY, PORT: String(port), INTERHUBZ_ADMIN_PASSWORD: 'chaos-run-password', LOG_LEVEL: 'info' };

    // The people: companies, customers at them (a share on free-mail addresses, some of those with
    // a company all the same), and one teammate.
    const admin = await control(`/workspaces/${ic.workspaceId}/admins`, { name: 'Chaos Agent', email: `agent-${run}@support.test` });
    const adminId = String(admin.id);
    const companies: Array<{ id: string; domain: string }> = [];
    for (let j = 0; j < size.companies; j++) {
      const domain = `co${j}-${run}.test`;
      const company = await control(`/workspaces/${ic.workspaceId}/companies`, { name: `Company ${j} ${run}`, website: `https://www.${domain}` });
      companies.push({ id: String(company.id), domain });
    }
    const customers: Customer[] = [];
    for (let k = 0; k < size.customers; k++) {
      const freeMail = Math.random() < 0.15;
      const company = !freeMail || Math.random() < 0.5 ? pick(companies) : null;
      const email = freeMail ? `u${k}x${run}@${pick(FREE_MAIL)}` : `person${k}@${company?.domain}`;
      const contact = await control(`/workspaces/${ic.workspaceId}/contacts`, { role: 'user', email, name: `Person ${k}`, ...(company ? { companyIds: [company.id] } : {}) });
      customers.push({ email, contactId: String(contact.id), domain: company?.domain ?? null });
    }
    await control('/webhooks/subscriptions', { url: `${baseUrl}/webhooks/intercom`, topics: INTERCOM_CONVERSATION_TOPICS });
    progress(`${size.companies} companies, ${size.customers} customers; starting the daemon`);

    let kills = 0;
    daemon = superviseDaemon(env, logFile);
    await waitHealthy(baseUrl);

    // The conversations, started evenly over loadSeconds, each a little script in real time.
    const plan: PlannedConversation[] = Array.from({ length: size.conversations }, (_, index) => ({
      index, customer: pick(customers), ticket: Math.random() < 0.15, reopen: Math.random() < 0.2, id: null, lastMarker: null, done: false, error: null,
    }));
    const say = (i: number, m: number) => `<p>Message ${marker(i, m)} about order ${i}.</p>`;
    const converse = async (c: PlannedConversation) => {
      const i = c.index;
      const admin_ = (action: string, body: Record<string, unknown> = {}) => control(`/admin/conversations/${c.id}/${action}`, { adminId, ...body });
      const started = await control('/customer/conversations', { contactId: c.customer.contactId, body: say(i, 1), subject: `Order ${i}` });
      c.id = String(started.id);
      c.lastMarker = marker(i, 1);
      await sleep(between(300, 2000));
      await admin_('reply', { body: say(i, 2) });
      c.lastMarker = marker(i, 2);
      await sleep(between(300, 2000));
      await control(`/customer/conversations/${c.id}/reply`, { body: say(i, 3), contactId: c.customer.contactId });
      c.lastMarker = marker(i, 3);
      if (c.ticket) await admin_('tag', { tag: 'ticket' });
      await admin_('close');
      if (c.reopen) {
        // Sometimes inside the grace window, sometimes after the capture.
        await sleep(between(1000, 15_000));
        await admin_('open');
        await control(`/customer/conversations/${c.id}/reply`, { body: say(i, 4), contactId: c.customer.contactId });
        c.lastMarker = marker(i, 4);
        await sleep(between(300, 2000));
        await admin_('reply', { body: say(i, 5) });
        c.lastMarker = marker(i, 5);
        await admin_('close');
      }
    };
    const loadStarted = Date.now();
    const scripts = plan.map(async (c) => {
      await sleep((c.index / size.conversations) * size.loadSeconds * 1000 + between(0, 500));
      try {
        await converse(c);
      } catch (error) {
        c.error = (error as Error).message;
      }
      c.done = true;
    });
    let loading = true;
    const load = Promise.all(scripts).then(() => void (loading = false));

    // The killer: SIGKILL at a random moment every few seconds, restarted at once.
    while (loading) {
      const wait = between(size.killEverySeconds[0], size.killEverySeconds[1]) * 1000;
      const until = Date.now() + wait;
      while (loading && Date.now() < until) await sleep(100);
      if (!loading) break;
      await daemon.kill();
      kills += 1;
      const done = plan.filter((c) => c.done).length;
      progress(`kill ${kills} at ${Math.round((Date.now() - loadStarted) / 1000)} s; ${done}/${size.conversations} conversations played`);
    }
    await load;
    const failedScripts = plan.filter((c) => c.error !== null);
    progress(`load done in ${Math.round((Date.now() - loadStarted) / 1000)} s after ${kills} kills; draining`);

    // The drain: no more kills; wait until HubSpot holds what it should and no capture work is left.
    const drainStarted = Date.now();
    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
    const pendingWork = () =>
      (db.prepare("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running') AND task != 'intercom.reconcile'").pluck().get() as number);
    const hubspotRecords = async (objectType: string) =>
      (await json<{ results: Record_[] }>(`${sims.hubspot.url}/_sim/portals/${sims.hubspot.hubId}/records/${objectType}`)).results;

    const check = async () => {
      const notes = await hubspotRecords('notes');
      const notesByConversation = new Map<number, Record_[]>();
      let foreignNotes = 0;
      const markerPattern = new RegExp(`${markerPrefix}c(\\d+)m\\d+`, 'g');
      for (const note of notes) {
        const owners = new Set([...(note.properties.hs_note_body ?? '').matchAll(markerPattern)].map((m) => Number(m[1])));
        if (owners.size !== 1) foreignNotes += 1;
        for (const owner of owners) notesByConversation.set(owner, [...(notesByConversation.get(owner) ?? []), note]);
      }
      const played = plan.filter((c) => c.id !== null);
      const missing = played.filter((c) => !notesByConversation.has(c.index));
      const stale = played.filter((c) => (notesByConversation.get(c.index) ?? []).some((note) => !(note.properties.hs_note_body ?? '').includes(`${c.lastMarker}`)));
      const duplicated = played.filter((c) => (notesByConversation.get(c.index)?.length ?? 0) > 1);
      return { notes, notesByConversation, foreignNotes, played, missing, stale, duplicated };
    };

    let settled = false;
    let last = await check();
    while (Date.now() - drainStarted < size.drainTimeoutSeconds * 1000) {
      last = await check();
      const pending = pendingWork();
      if (last.missing.length === 0 && last.stale.length === 0 && pending === 0) {
        settled = true;
        break;
      }
      await sleep(2000);
    }
    const drainSeconds = Math.round((Date.now() - drainStarted) / 1000);
    progress(settled ? `drained in ${drainSeconds} s` : `the drain gave up after ${drainSeconds} s: ${last.missing.length} missing, ${last.stale.length} stale, ${pendingWork()} jobs pending`);
    // Late duplicates (a retried webhook, a held answer) have a few seconds more to show up.
    await sleep(5000);
    last = await check();

    // A scheduler that stopped: work due long ago that nobody took, or leases long expired.
    const now = Date.now();
    const stuck = db
      .prepare("SELECT id, task, status, run_at, locked_until, attempts, last_error FROM jobs WHERE (status = 'queued' AND run_at < ?) OR (status = 'running' AND locked_until < ?) LIMIT 20")
      .all(now - 120_000, now - 120_000) as Array<Record<string, unknown>>;
    const readyz = await fetch(`${baseUrl}/readyz`).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }), (error: unknown) => ({ status: 0, body: String(error) }));
    // /readyz names the scheduler's state; other checks (a paused connection, say) are not this run's business.
    const schedulerCheck = (readyz.body as { checks?: { scheduler?: unknown } } | undefined)?.checks?.scheduler ?? `no answer (${readyz.status})`;
    const jobStates = db.prepare('SELECT task, status, count(*) AS n FROM jobs GROUP BY task, status').all();
    // For a run that did not settle: the work still waiting, with times relative to now (ms).
    const pendingJobs = db
      .prepare(`SELECT id, task, key, status, attempts, last_error, run_at - ? AS run_in, locked_until - ? AS lease_left, created_at - ? AS created
                FROM jobs WHERE status IN ('queued', 'running') AND task != 'intercom.reconcile' ORDER BY id LIMIT 10`)
      .all(now, now, now) as Array<{ id: number; key: string | null }>;
    db.close();

    // HubSpot's records: contacts by email, companies by domain, tickets by conversation.
    const contacts = await hubspotRecords('contacts');
    const companiesInHubSpot = await hubspotRecords('companies');
    const tickets = await hubspotRecords('tickets');
    const countBy = <T>(items: T[], key: (item: T) => string | undefined) => {
      const counts = new Map<string, number>();
      for (const item of items) {
        const k = key(item);
        if (k) counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      return counts;
    };
    const excess = (counts: Map<string, number>) => [...counts.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    const contactsByEmail = countBy(contacts, (c) => c.properties.email?.toLowerCase());
    const companiesByDomain = countBy(companiesInHubSpot, (c) => c.properties.domain?.toLowerCase().replace(/^www\./, ''));
    const ticketsByConversation = countBy(tickets, (t) => /^Chaos conversation (\S+)$/.exec(t.properties.subject ?? '')?.[1]);
    const companyIdsByDomain = new Map<string, Set<string>>();
    for (const company of companiesInHubSpot) {
      const domain = company.properties.domain?.toLowerCase().replace(/^www\./, '');
      if (domain) companyIdsByDomain.set(domain, new Set([...(companyIdsByDomain.get(domain) ?? []), company.id]));
    }
    const customersSeen = new Map(plan.filter((c) => c.id !== null).map((c) => [c.customer.email.toLowerCase(), c.customer]));
    const unlinked: string[] = [];
    for (const contact of contacts) {
      const customer = customersSeen.get(contact.properties.email?.toLowerCase() ?? '');
      if (!customer?.domain) continue;
      const theirs = companyIdsByDomain.get(customer.domain) ?? new Set<string>();
      if (!(contact.associations.companies ?? []).some((a) => theirs.has(a.id))) unlinked.push(`${contact.id} <${customer.email}>`);
    }
    const ticketRouted = plan.filter((c) => c.ticket && c.id !== null);
    const missingTickets = ticketRouted.filter((c) => !ticketsByConversation.has(c.id ?? ''));

    // Faults injected: upstream calls (by the simulators' process) and webhook deliveries.
    const stats = await json<ChaosStats>(`${sims.hubspot.url}/_chaos/stats`);
    const notifications = await json<Array<{ fault: string | null; status: string; attempts: number }>>(`${ic.url}/_sim/webhooks/notifications`);
    const attempts = await json<Array<{ outcome: string }>>(`${ic.url}/_sim/webhooks/attempts`);
    const sum = (counts: Partial<Record<string, number>>) => Object.values(counts).reduce<number>((a, b) => a + (b ?? 0), 0);
    const webhookFaults = countBy(notifications.filter((n) => n.fault !== null), (n) => n.fault ?? undefined);
    // Failed webhook deliveries by outcome: refused while a daemon restarts, reset by a kill, timed out.
    const failedDeliveries = Object.fromEntries(countBy(attempts.filter((a) => a.outcome !== 'delivered'), (a) => a.outcome));
    const faults = sum(stats.hubspot) + sum(stats.intercom) + sum(Object.fromEntries(webhookFaults));

    // Stop the daemon politely, then look for message text in everything it wrote.
    await daemon.stop();
    const crashes = daemon.crashes;
    daemon = null;
    const atRest = occurrences([dataDir, logFile], markerPrefix);
    const log = readFileSync(logFile, 'utf8').split('\n');
    const logLines = log.length;
    // What the daemon said about the work that did not settle and the conversations left without a
    // note: CI shows only a failed run's detail, and the work directory is gone by then.
    const traced = [...pendingJobs.map((job) => `"jobId":${job.id},`), ...last.missing.slice(0, 3).map((c) => `${c.id}`)];
    const logExcerpt = log.filter((line) => traced.some((needle) => line.includes(needle))).slice(-40).map((line) => line.slice(0, 400));

    const example = (list: PlannedConversation[]) => list.slice(0, 10).map((c) => ({ index: c.index, id: c.id, reopened: c.reopen, ticket: c.ticket, last: c.lastMarker }));
    return {
      conversations: last.played.length,
      captured: last.played.length - last.missing.length,
      missing: last.missing.length,
      stale_notes: last.stale.length,
      duplicate_notes: last.duplicated.reduce((n, c) => n + (last.notesByConversation.get(c.index)?.length ?? 1) - 1, 0),
      duplicate_contacts: excess(contactsByEmail),
      duplicate_companies: excess(companiesByDomain),
      unlinked_contacts: unlinked.length,
      duplicate_tickets: excess(ticketsByConversation),
      kills,
      faults,
      drain_s: drainSeconds,
      wedged: stuck.length > 0 || schedulerCheck !== 'ok',
      daemon_crashes: crashes.length,
      content_at_rest: atRest.total,
      detail: {
        run, work, connectionId, settled, crashes,
        planned: size.conversations, scripts_failed: failedScripts.length, script_errors: failedScripts.slice(0, 5).map((c) => c.error),
        reopened: plan.filter((c) => c.reopen).length, ticket_routed: ticketRouted.length, missing_tickets: missingTickets.length,
        notes: last.notes.length, notes_not_of_one_conversation: last.foreignNotes,
        contacts: contacts.length, companies: companiesInHubSpot.length, tickets: tickets.length,
        missing_examples: example(last.missing), stale_examples: example(last.stale), duplicate_examples: example(last.duplicated),
        duplicate_contact_emails: [...contactsByEmail].filter(([, n]) => n > 1).slice(0, 10),
        duplicate_company_domains: [...companiesByDomain].filter(([, n]) => n > 1).slice(0, 10),
        duplicate_ticket_conversations: [...ticketsByConversation].filter(([, n]) => n > 1).slice(0, 10),
        unlinked_examples: unlinked.slice(0, 10),
        faults_by_kind: { hubspot: stats.hubspot, intercom: stats.intercom, webhooks: Object.fromEntries(webhookFaults), webhook_failed_deliveries: failedDeliveries },
        upstream_calls: stats.calls, webhook_notifications: notifications.length,
        stuck_jobs: stuck, readyz, job_states: jobStates, pending_jobs: pendingJobs,
        content_at_rest_files: atRest.files, log_lines: logLines,
        ...(settled ? {} : { log_of_unsettled: logExcerpt }),
      },
    };
  } finally {
    if (daemon) await daemon.stop('SIGKILL');
    simsChild.kill('SIGTERM');
    if (simsChild.exitCode === null && simsChild.signalCode === null) await once(simsChild, 'exit');
    if (process.env.INTERHUBZ_CHAOS_KEEP !== '1') rmSync(work, { recursive: true, force: true });
  }
}
