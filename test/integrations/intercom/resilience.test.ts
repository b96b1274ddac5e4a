// The Intercom client under weather: injected 429/5xx/timeouts/resets, writes that may have
// happened, a revoked token, and rate budgets that keep it under Intercom's limits.
import t from 'tap';
import { markReauthorised } from '../../../src/connections/reauth.ts';
import { getConnection } from '../../../src/db/repos/connections.ts';
import { connectionOwner, putCredential } from '../../../src/db/repos/credentials.ts';
import { INTERCOM_TOKEN_KIND } from '../../../src/integrations/intercom/auth.ts';
import { createIntercomRateRegistry } from '../../../src/integrations/intercom/rate-plan.ts';
import { toJobOutcomeError } from '../../../src/jobs/upstream-outcome.ts';
import { UpstreamError } from '../../../src/integrations/upstream-error.ts';
import { NeedsReauthError } from '../../../src/jobs/outcomes.ts';
import { enqueueJob, getJob } from '../../../src/jobs/queue.ts';
import { createSimClock } from '../../../src/sandbox/shared/clock.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import { failure, harness, virtualClock } from './setup.ts';

const capture = captureLogs();
const SECRET_TEXT = 'Passwort-ist-hunter2-bitte-nicht-loggen';
const tokens: string[] = [];
const FAULT_KINDS = ['429', '500', 'timeout', '502', 'reset', '503'] as const;

t.test('~20% injected 429/5xx/timeouts/resets: every read completes', async (t) => {
  const h = await harness(t, capture);
  tokens.push(h.token);
  const { control } = h.running.sim;
  const company = control.companies.create(h.workspaceId, { companyId: 'acct-1', name: 'Customer GmbH' });
  const contacts = Array.from({ length: 6 }, (_, i) => control.contacts.create(h.workspaceId, { email: `p${i}@customer.test`, role: 'user', companyIds: [String(company.id)] }));
  const conversations = contacts.map((c) => control.actAsCustomer.startConversation({ contactId: String(c.id), body: SECRET_TEXT }).id as string);

  const reads: Array<() => Promise<unknown>> = [
    () => h.client.me(),
    () => h.client.listAdmins(),
    ...contacts.map((c) => () => h.client.getContact(String(c.id))),
    ...conversations.map((id) => () => h.client.getConversation(id)),
    async () => {
      const ids = [];
      for await (const c of h.client.searchConversations({ field: 'state', operator: '=', value: 'open' }, { perPage: 2 })) ids.push(String(c.id));
      return ids;
    },
    async () => {
      const ids = [];
      for await (const c of h.client.listCompanies()) ids.push(String(c.id));
      return ids;
    },
    () => h.client.getCompany(String(company.id)),
  ];
  let calls = 0;
  for (let round = 0; round < 6; round++) {
    for (const read of reads) {
      // One fault before every fifth call: about one request in five fails once.
      if (calls % 5 === 0) control.faults.add({ kind: FAULT_KINDS[(calls / 5) % FAULT_KINDS.length]!, count: 1 });
      calls++;
      await read();
    }
  }
  const log = control.requests.entries();
  const failed = log.filter((e) => e.status === 0 || e.status >= 400).length;
  t.ok(calls >= 100, `${calls} reads`);
  t.ok(failed >= 18 && failed <= 24, `${failed} of ${log.length} requests failed and were retried`);
  t.equal(control.faults.pending().length, 0, 'every fault was met');
});

t.test('conversation actions that time out are ambiguous writes, sent once', async (t) => {
  const h = await harness(t, capture);
  tokens.push(h.token);
  const { control } = h.running.sim;
  const contact = control.contacts.create(h.workspaceId, { email: 'w@customer.test', role: 'user' });
  const id = control.actAsCustomer.startConversation({ contactId: String(contact.id), body: SECRET_TEXT }).id as string;
  const posts = (suffix: string) => control.requests.entries().filter((e) => e.method === 'POST' && e.path === `/conversations/${id}${suffix}`).length;

  control.faults.add({ kind: 'timeout', method: 'POST', pathPrefix: `/conversations/${id}/reply` });
  t.match(await failure(h.client.reply({ conversationId: id, adminId: h.adminId, body: SECRET_TEXT })), { kind: 'ambiguous_write' });
  t.equal(posts('/reply'), 1, 'the reply was not repeated');

  control.faults.add({ kind: 'timeout', method: 'POST', pathPrefix: `/conversations/${id}/parts` });
  const error = await h.client.close({ conversationId: id, adminId: h.adminId }).catch((e: unknown) => e);
  t.equal((error as UpstreamError).kind, 'ambiguous_write');
  t.ok((error as UpstreamError).retryable, 'the job may run again, looking before it writes');
  t.equal(posts('/parts'), 1, 'the close was not repeated');

  control.faults.add({ kind: '502', method: 'POST', pathPrefix: `/conversations/${id}/parts` });
  t.match(await failure(h.client.close({ conversationId: id, adminId: h.adminId })), { kind: 'ambiguous_write', details: { status: 502 } });
  control.faults.add({ kind: 'reset', method: 'POST', pathPrefix: `/conversations/${id}/reply` });
  t.match(await failure(h.client.note({ conversationId: id, adminId: h.adminId, body: SECRET_TEXT })), { kind: 'ambiguous_write' });
  t.equal(posts('/parts'), 2);
  t.equal(posts('/reply'), 2);

  // A search is a POST that only reads: it is retried like a GET.
  control.faults.add({ kind: 'timeout', method: 'POST', pathPrefix: '/conversations/search' });
  const found = [];
  for await (const c of h.client.searchConversations({ field: 'id', operator: '=', value: id })) found.push(String(c.id));
  t.same(found, [id]);
  t.equal(control.requests.entries().filter((e) => e.path === '/conversations/search').length, 2, 'retried once');
});

t.test('a revoked token marks the connection needs_reauth and parks its jobs', async (t) => {
  const h = await harness(t, capture);
  tokens.push(h.token);
  const now = h.clock.now();
  const jobs = await Promise.all([1, 2].map((n) => enqueueJob(h.db, { task: 'intercom.capture', payload: { conversationId: String(n) }, connectionId: h.connectionId }, { now, maxAttempts: 5 })));
  h.running.sim.control.revokeToken(h.token);

  const error = await h.client.me().catch((e: unknown) => e);
  t.ok(error instanceof UpstreamError);
  t.equal((error as UpstreamError).kind, 'unauthorized');
  t.equal((error as UpstreamError).details.code, 'unauthorized');
  t.ok(toJobOutcomeError(error) instanceof NeedsReauthError, 'the job outcome is needs-reauth');
  t.equal((await getConnection(h.db, h.connectionId))?.status, 'needs_reauth');
  for (const job of jobs) t.equal((await getJob(h.db, job.id))?.status, 'parked');
  t.equal(h.running.sim.control.requests.entries().length, 1, 'no refresh, no retry: Intercom tokens cannot be refreshed');

  // A person re-authorises: a new token is stored, the connection resumes, and calls work again.
  const fresh = h.running.sim.control.createAccessToken();
  tokens.push(fresh);
  await putCredential(h.db, h.vault, { owner: connectionOwner(h.connectionId), kind: INTERCOM_TOKEN_KIND, value: fresh, now: h.clock.now() });
  await markReauthorised(h.db, h.connectionId, h.clock.now());
  t.equal((await getConnection(h.db, h.connectionId))?.status, 'active');
  for (const job of jobs) t.equal((await getJob(h.db, job.id))?.status, 'queued');
  t.equal((await h.client.me()).app.id_code, h.workspaceId, 'the new token is used at once');
});

t.test('the budget keeps a burst under a small limit: no 429', async (t) => {
  const h = await harness(t, capture, { rateLimitPerMinute: 60, plannedLimits: { appPerMinute: 60 } });
  tokens.push(h.token);
  const start = h.clock.now();
  const results = await Promise.all(Array.from({ length: 35 }, () => h.client.listAdmins()));
  t.equal(results.length, 35);
  const log = h.running.sim.control.requests.entries();
  t.equal(log.filter((e) => e.status === 429).length, 0, 'no 429');
  t.equal(log.length, 35, 'one request per call');
  t.ok(h.clock.now() - start >= 30_000, 'spread over four 10-second windows');
  const snapshot = h.rates.snapshot();
  t.same(snapshot.map((s) => s.key).sort(), [`app:${h.running.sim.defaults!.appId}:workspace:${h.workspaceId}`, `workspace:${h.workspaceId}`]);
  t.equal(snapshot.find((s) => s.key.startsWith('app:'))?.limit, 10);
});

t.test('headers correct a plan that is too generous', async (t) => {
  const h = await harness(t, capture, { rateLimitPerMinute: 60, plannedLimits: { appPerMinute: 6_000 } });
  tokens.push(h.token);
  for (let i = 0; i < 25; i++) await h.client.me();
  t.equal(h.running.sim.control.requests.entries().filter((e) => e.status === 429).length, 0, 'X-RateLimit-Limit/Remaining taught the budget');
  t.equal(h.rates.snapshot().find((s) => s.key.startsWith('app:'))?.limit, 10);
});

t.test('a burst against a limit the plan overestimates: 429s pause the budget, every call completes', async (t) => {
  const h = await harness(t, capture, { rateLimitPerMinute: 60, plannedLimits: { appPerMinute: 6_000 } });
  tokens.push(h.token);
  const results = await Promise.all(Array.from({ length: 30 }, () => h.client.listAdmins()));
  t.equal(results.length, 30);
  const log = h.running.sim.control.requests.entries();
  const refused = log.filter((e) => e.status === 429).length;
  t.ok(refused > 0, `${refused} 429s before the headers corrected the plan`);
  t.equal(log.filter((e) => e.status === 200).length, 30);
});

t.test('a 429 pauses the budget until X-RateLimit-Reset', async (t) => {
  const simClock = createSimClock(Date.UTC(2026, 0, 1, 0, 0, 3));
  const clock = virtualClock(simClock);
  const rates = createIntercomRateRegistry({ clock });
  const plan = rates.planFor({ workspaceId: 'ws', appId: 'app' });
  const call = { method: 'GET' as const, path: '/me' };
  await plan.plan(call);
  plan.learn(call, 200, { 'x-ratelimit-limit': '166', 'x-ratelimit-remaining': '100', 'x-ratelimit-reset': String(Date.UTC(2026, 0, 1, 0, 0, 10) / 1000) });
  const app = () => rates.snapshot().find((s) => s.key === 'app:app:workspace:ws')!;
  t.equal(app().available, 100, 'Remaining counts calls made by others');
  plan.learn(call, 429, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Date.UTC(2026, 0, 1, 0, 0, 10) / 1000) });
  t.equal(app().pausedUntil, Date.UTC(2026, 0, 1, 0, 0, 10));
  await plan.plan(call);
  t.ok(simClock.now() >= Date.UTC(2026, 0, 1, 0, 0, 10), 'the next call waited for the reset');
});

t.test('the log holds no token and no message text', async (t) => {
  const text = capture.text();
  t.ok(text.includes('retrying'), 'retries were logged');
  t.ok(text.includes('needs re-authorisation'), 'the re-auth was logged');
  for (const token of tokens) t.notOk(text.includes(token), 'no access token');
  t.notOk(text.includes(SECRET_TEXT), 'no message body');
});
