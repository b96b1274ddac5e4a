// The explainer's trace recorder (src/explain/trace-recorder.ts): steps are collected only inside a
// run, vendor calls join them through the async context, strings are capped and email-shaped text
// masked, a failed write never reaches the work it describes, and the purge keeps the retention.
import { sql } from 'kysely';
import t from 'tap';
import { noteTracedCall } from '../../src/integrations/call-trace.ts';
import { openRun, purgeTrace, recordTrace, traceStep } from '../../src/explain/trace-recorder.ts';
import { differences, inTimeOrder, traceEntry } from '../../src/explain/timeline.ts';
import type { CaptureDecisionView, TimelineEntry } from '../../src/explain/explain-types.ts';
import { eachStore } from '../helpers/postgres.ts';

t.test('steps are collected inside a run only, with the vendor calls made in it', async (t) => {
  traceStep('routing', { rule: 'outside' });
  let now = 1000;
  const run = openRun(() => now);
  await run.collect(async () => {
    traceStep('guards', { pass: true });
    await new Promise((resolve) => setTimeout(resolve, 1));
    now = 1005;
    noteTracedCall({ method: 'POST', path: '/crm/objects/2026-09/contacts/123/search' }, { service: 'hubspot', status: 500, durationMs: 12.4, attempt: 2, failure: { kind: 'server_error', vendorMessage: `internal error for ${'x'.repeat(400)} dana@example.com` } });
  });
  traceStep('routing', { rule: 'after' });
  t.same(run.steps.map((step) => step.kind), ['guards', 'api_call'], 'nothing from outside the run');
  const call = run.steps[1]?.detail as Record<string, any>;
  t.match(call, { service: 'hubspot', method: 'POST', family: 'crm.objects.contacts.search', status: 500, durationMs: 12, attempt: 2, failure: { kind: 'server_error' } });
  t.equal(call.failure.vendorMessage.length, 300, 'the vendor message is capped');
  const finished = run.finish('run_failed', { message: 'HubSpot said no to dana@example.com' });
  t.ok(finished.every((step) => step.detail['run'] === run.id), 'every step names the run');
  t.equal(finished.at(-1)?.detail['message'], 'HubSpot said no to (email)', 'email-shaped text is masked');
  t.equal(finished.at(-1)?.at, 1005);
});

eachStore(t, 'recordTrace writes steps, swallows a failure, and the purge keeps the retention', async (t, db) => {
  t.equal(await recordTrace(db.kysely, 'c1', '42', [{ at: 10, kind: 'trigger', detail: { action: 'schedule' } }, { at: 20, kind: 'guards', detail: { pass: true } }]), true);
  t.same(await db.kysely.selectFrom('conversation_trace').select(['at', 'kind']).orderBy('at').execute(), [{ at: 10, kind: 'trigger' }, { at: 20, kind: 'guards' }]);
  t.equal(await purgeTrace(db.kysely, 15), 1, 'older than the cut-off: gone');
  await sql`DROP TABLE conversation_trace`.execute(db.kysely);
  t.equal(await recordTrace(db.kysely, 'c1', '42', [{ at: 30, kind: 'trigger', detail: {} }]), false, 'a failed write is answered false, not thrown');
});

const view = (patch: Partial<CaptureDecisionView>): CaptureDecisionView => ({
  outcome: 'captured', at: 1, reason: null, guard: null, rule: null, destinations: ['contact'], contact: { id: '1', how: 'email', created: false }, company: null, ticket: null, noteId: 'n1', ownerId: null,
  decided: ['outcome', 'guard', 'rule', 'destinations', 'contact', 'company', 'ticket', 'owner'], ...patch,
});

t.test('differences: only what both decided; a second capture is the same result', async (t) => {
  t.same(differences(view({}), view({ outcome: 'unchanged' })), [], 'captured then unchanged: no difference');
  t.same(differences(view({}), view({ contact: { id: '2', how: 'email', created: false } })), [{ field: 'contact', label: 'HubSpot contact', done: '1', now: '2' }]);
  const skipped = view({ outcome: 'skipped', guard: 'min_duration', destinations: [], contact: null, decided: ['outcome', 'guard'] });
  t.same(differences(view({}), skipped).map((difference) => difference.field), ['outcome', 'guard'], 'a guard-stopped decision has no destinations or contact to compare');
  t.same(differences(null, view({})), [{ field: 'outcome', label: 'Outcome', done: 'nothing yet', now: 'captured' }]);
});

t.test('a run’s steps stay together in the timeline', async (t) => {
  const entry = (at: number, run: string | null, kind: TimelineEntry['kind']): TimelineEntry => ({ at, run, kind, summary: kind, detail: {}, failed: false });
  const ordered = inTimeOrder([entry(1, 'r', 'guards'), entry(3, 'r', 'run_decided'), entry(2, null, 'webhook'), entry(0, null, 'trigger')]);
  t.same(ordered.map((item) => item.kind), ['trigger', 'guards', 'run_decided', 'webhook']);
  t.match(traceEntry({ at: 5, kind: 'run_failed', detail: JSON.stringify({ final: false, message: 'HubSpot answered 500', run: 'r2' }) }), { run: 'r2', failed: true, summary: 'Failed; it will be tried again: HubSpot answered 500' });
  t.match(
    traceEntry({ at: 6, kind: 'run_failed', detail: JSON.stringify({ final: false, error: 'CloseWindowOpenError', message: 'closed again since this capture was scheduled', run: 'r3' }) }),
    { failed: false, summary: 'Waiting: closed again since this capture was scheduled' },
    'a run that stopped to wait out a later close’s grace window did not fail',
  );
});
