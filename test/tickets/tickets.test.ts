// Tickets against the simulators: made once with the right pipeline, stage, associations and the
// transcript note on it; the stage follows the conversation live, also through shuffled events;
// HubSpot → Intercom without echo loops; and failures that end in a warning, not a retry storm.
import t from 'tap';
import { until as waitUntil } from '../helpers/until.ts';
import { captureScenario, type Scenario } from '../helpers/capture-scenario.ts';

/** This file's waits give up after 20,000 ms unless told otherwise. */
const until = <T>(what: string, probe: () => T | Promise<T>, timeoutMs = 20_000) => waitUntil(what, probe, { timeoutMs });

async function ticketScenario(t: Parameters<typeof captureScenario>[0], tickets: Record<string, unknown> = {}): Promise<Scenario> {
  const s = await captureScenario(t);
  await s.setSettings((settings) => {
    settings.conversations.routing.defaultDestinations = ['contact', 'company', 'ticket'];
    settings.conversations.guards.minDurationMinutes = 0;
    Object.assign(settings.tickets, tickets);
  });
  return s;
}

const tickets = (s: Scenario) => s.hubspot.control.records({ hubId: s.hubId, objectType: 'tickets' });
/** A task's jobs, oldest first. */
const jobsOf = (s: Scenario, task: string) => s.server.daemon.db.kysely.selectFrom('jobs').select(['status', 'attempts']).where('task', '=', task).orderBy('id').execute();
const stageOf = (s: Scenario, ticketId: string) => s.hubspot.control.record({ hubId: s.hubId, objectType: 'tickets', id: ticketId })?.properties.hs_pipeline_stage;

t.test('a routed conversation gets one ticket, with its contact, company and the transcript note', async (t) => {
  const s = await ticketScenario(t, { priorities: { priority: 'HIGH', notPriority: 'LOW' } });
  const { conversationId } = s.conversation({ spacingMs: 0 });
  const dry = await s.push(conversationId, { dryRun: true });
  t.match(dry.body, { outcome: 'planned', ticket: { outcome: 'planned', pipeline: 'Support Pipeline', stage: 'Closed' } });
  t.equal(tickets(s).length, 0, 'a dry run makes no ticket');

  const first = await s.push(conversationId);
  t.match(first.body, { outcome: 'captured', ticket: { outcome: 'created', stage: 'Closed' } });
  const [ticket] = tickets(s);
  t.match(ticket?.properties, { subject: 'Invoice question', hs_pipeline: '0', hs_pipeline_stage: '4', hs_ticket_priority: 'LOW' });
  t.match(ticket?.properties.content, /Intercom conversation \d+ with Customer 1/);
  t.same(ticket?.associations.contacts?.map((a) => a.id), [first.body?.contact.id]);
  t.same(ticket?.associations.companies?.map((a) => a.id), [first.body?.company.id]);
  const note = s.notes()[0];
  t.same(note?.associations.tickets?.map((a) => a.id), [ticket?.id], 'the transcript note is on the ticket');

  s.intercom.control.actAsAdmin.reply({ conversationId, adminId: s.adminId, body: '<p>More.</p>' });
  const again = await s.push(conversationId);
  t.match(again.body, { outcome: 'updated', ticket: { outcome: 'existing', ticketId: ticket?.id } });
  t.equal(tickets(s).length, 1, 'never a second ticket');
  const links = await s.api('GET', `/api/connections/${s.connectionId}/tickets`);
  t.match(links.body?.links, [{ conversationId, ticketId: ticket?.id, status: 'active' }], 'the linkage record is listed');
});

t.test('reuse_open: the contact\'s open ticket takes the next conversation', async (t) => {
  const s = await ticketScenario(t, { policy: 'reuse_open' });
  const one = s.conversation({ close: false, spacingMs: 0 });
  s.intercom.control.actAsAdmin.reply({ conversationId: one.conversationId, adminId: s.adminId, body: '<p>On it.</p>' });
  const first = await s.push(one.conversationId, { force: true });
  t.match(first.body, { ticket: { outcome: 'created', stage: 'New' } });
  const two = s.conversation({ contactId: one.contactId, close: false, spacingMs: 0 });
  const second = await s.push(two.conversationId, { force: true });
  t.match(second.body, { ticket: { outcome: 'reused', ticketId: first.body?.ticket.ticketId } });
  t.equal(tickets(s).length, 1);
});

t.test('the stage follows the conversation live, and shuffled events end on the final state', async (t) => {
  const s = await ticketScenario(t, { createWhen: 'first_customer_message' });
  const { conversationId, contactId } = s.conversation({ close: false, messages: 1, spacingMs: 0 });
  await s.intercom.control.webhooks.flush();
  const ticketId = (await until('the ticket from the first message', () => tickets(s)[0]?.id)) as string;
  t.equal(stageOf(s, ticketId), '1', 'open: New');

  s.intercom.control.actAsAdmin.close({ conversationId, adminId: s.adminId });
  await s.intercom.control.webhooks.flush();
  await until('closed stage', () => stageOf(s, ticketId) === '4');

  s.intercom.control.webhooks.addFault({ kind: 'reorder', count: 50 });
  s.intercom.control.actAsCustomer.reply({ conversationId, contactId, body: '<p>One more question.</p>' });
  s.intercom.control.actAsAdmin.close({ conversationId, adminId: s.adminId });
  s.intercom.control.actAsAdmin.open({ conversationId, adminId: s.adminId });
  s.intercom.control.actAsAdmin.snooze({ conversationId, adminId: s.adminId, snoozedUntil: Math.floor(Date.now() / 1000) + 3600 });
  s.intercom.control.actAsAdmin.close({ conversationId, adminId: s.adminId });
  await s.intercom.control.webhooks.flush();
  await until('the final state: closed', async () => {
    const jobs = (await s.server.daemon.db.kysely.selectFrom('jobs').select('id').where('task', 'like', 'ticket.%').where('status', 'in', ['queued', 'running']).execute()).length;
    return jobs === 0 && stageOf(s, ticketId) === '4';
  });
  t.equal(stageOf(s, ticketId), '4', 'closed, whatever order the events came in');
  t.equal(tickets(s).length, 1);
});

t.test('HubSpot → Intercom: closing the ticket closes the conversation, with no echo', async (t) => {
  const s = await ticketScenario(t, { whenClosedInHubSpot: 'close' });
  const { conversationId } = s.conversation({ close: false, spacingMs: 0 });
  s.intercom.control.actAsAdmin.reply({ conversationId, adminId: s.adminId, body: '<p>Looking.</p>' });
  const pushed = await s.push(conversationId, { force: true });
  const ticketId = pushed.body?.ticket.ticketId as string;
  t.equal(stageOf(s, ticketId), '1');
  // A person closes the ticket in HubSpot.
  const hubspot = s.server.daemon.clients.hubspot(await s.row());
  await hubspot.tickets.update(ticketId, { hs_pipeline_stage: '4' });
  const conversation = async () => s.server.daemon.clients.intercom(await s.row()).getConversation(conversationId);
  await until('the conversation closed in Intercom', async () => (await conversation()).state === 'closed');
  await s.intercom.control.webhooks.flush();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const closes = (await conversation()).parts.filter((part) => part.part_type === 'close').length;
  t.equal(closes, 1, `closed once: our own close did not come back as another change (${(await conversation()).parts.map((part) => part.part_type).join(',')})`);
  t.equal(stageOf(s, ticketId), '4', 'the ticket stays where the person put it');
  const activity = await s.api('GET', `/api/connections/${s.connectionId}/activity`);
  t.ok(activity.body?.entries.some((entry: { reason: string }) => /Intercom close/.test(entry.reason ?? '')), 'the activity log says why the conversation closed');
});

t.test('a stage that does not exist: a clear refusal naming the key, a warning, no ticket written', async (t) => {
  const s = await ticketScenario(t, { stages: { open: '', snoozed: '', closed: 'Done', reopened: '' } });
  const { conversationId } = s.conversation({ spacingMs: 0 });
  const result = await s.push(conversationId);
  t.equal(result.status, 409);
  t.match(result.body, { error: { code: 'ticket_settings', message: /settings\.tickets\.stages\.closed: .*'Done'/ } });
  t.equal(tickets(s).length, 0);
  const detail = await s.api('GET', `/api/connections/${s.connectionId}`);
  t.ok(detail.body?.warnings.some((warning: string) => /tickets\.stages\.closed.*Done/.test(warning)), 'the connection shows the warning');
});

t.test('a ticket deleted by a person: a warning and an activity entry; the conversation gets no second ticket', async (t) => {
  const s = await ticketScenario(t);
  const { conversationId } = s.conversation({ spacingMs: 0 });
  const first = await s.push(conversationId);
  const ticketId = first.body?.ticket.ticketId as string;
  const hubspot = s.server.daemon.clients.hubspot(await s.row());
  await hubspot.http.send({ method: 'DELETE', path: `/crm/objects/2026-09/tickets/${ticketId}` });
  await until('the deletion handled', async () => (await s.api('GET', `/api/connections/${s.connectionId}`)).body?.warnings?.some((warning: string) => /was deleted/.test(warning)));
  s.intercom.control.actAsAdmin.reply({ conversationId, adminId: s.adminId, body: '<p>After the deletion.</p>' });
  const again = await s.push(conversationId);
  t.match(again.body, { outcome: 'updated', ticket: { outcome: 'deleted' } });
  t.equal(tickets(s).filter((ticket) => !ticket.archived).length, 0, 'no new ticket');
  const failed = await until('the activity entry', async () => (await s.api('GET', `/api/connections/${s.connectionId}/activity?outcome=failed`)).body?.entries[0]);
  t.match(failed, { kind: 'ticket', reason: /was deleted/ });
});

t.test('the settings check (run at start) names the key of a stage HubSpot does not have, in the log and on the connection', async (t) => {
  const { TICKET_CHECK_TASK } = await import('../../src/tickets/ticket-tasks.ts');
  const { settingsKey } = await import('../../src/connections/seed-from-config.ts');
  const { captureLogs } = await import('../helpers/log-capture.ts');
  const logs = captureLogs();
  const s = await captureScenario(t, { logDestination: logs });
  await s.setSettings((settings) => void (settings.tickets.stages.snoozed = 'Parked'));
  await s.server.daemon.jobs.enqueue({ task: TICKET_CHECK_TASK, payload: {}, connectionId: s.connectionId, key: `ticket-check:${s.connectionId}` });
  const warned = await until('the warning', async () => (await s.api('GET', `/api/connections/${s.connectionId}`)).body?.warnings?.find((w: string) => /Parked/.test(w)));
  t.match(warned, /settings\.tickets\.stages\.snoozed: .*'Parked'.*Support Pipeline/);
  t.ok(logs.entries().some((entry) => entry.msg === 'the ticket settings do not match HubSpot; no ticket is written until they do' && JSON.stringify(entry.problems).includes('settings.tickets.stages.snoozed')), 'and in the log, by key');
  // A connection from the YAML file is named by its entry there.
  const config = { connections: [{ name: 'Other' }, { name: 'Support EU' }] } as unknown as Parameters<typeof settingsKey>[0];
  t.equal(settingsKey(config, { managedByConfig: true, name: 'Support EU' }), 'connections[1]');
  t.equal(settingsKey(config, { managedByConfig: false, name: 'Support EU' }), 'settings');
});

t.test('HubSpot → Intercom: an internal note instead of a close; reopening the ticket reopens the conversation', async (t) => {
  const s = await ticketScenario(t, { whenClosedInHubSpot: 'note' });
  const { conversationId } = s.conversation({ close: false, spacingMs: 0 });
  s.intercom.control.actAsAdmin.reply({ conversationId, adminId: s.adminId, body: '<p>Looking.</p>' });
  const pushed = await s.push(conversationId, { force: true });
  const ticketId = pushed.body?.ticket.ticketId as string;
  const hubspot = s.server.daemon.clients.hubspot(await s.row());
  const conversation = async () => s.server.daemon.clients.intercom(await s.row()).getConversation(conversationId);
  await hubspot.tickets.update(ticketId, { hs_pipeline_stage: '4' });
  await until('the internal note', async () => (await conversation()).parts.some((part) => part.part_type === 'note' && /moved to 'Closed'/.test(part.body ?? '')));
  t.equal((await conversation()).state, 'open', 'a note, not a close');

  // Reopen: the conversation is closed in Intercom, then a person moves the ticket back to an open stage.
  await s.setSettings((settings) => void (settings.tickets.whenClosedInHubSpot = 'close'));
  s.intercom.control.actAsAdmin.close({ conversationId, adminId: s.adminId });
  await s.intercom.control.webhooks.flush();
  await until('the stage synced to closed', async () => (await s.api('GET', `/api/connections/${s.connectionId}/tickets`)).body?.links?.[0]?.state === 'closed');
  await hubspot.tickets.update(ticketId, { hs_pipeline_stage: '2' });
  await until('the conversation reopened', async () => (await conversation()).state === 'open');
  await s.intercom.control.webhooks.flush();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.equal(stageOf(s, ticketId), '2', 'the stage the person chose stays (the reopen is not echoed back as another stage)');
});

t.test('a HubSpot token without ticket permission: a warning naming the scope, no retry storm', async (t) => {
  const { putCredential, connectionOwner } = await import('../../src/db/repos/credentials.ts');
  const { STATIC_TOKEN_KIND } = await import('../../src/integrations/hubspot/auth.ts');
  const s = await ticketScenario(t);
  const token = s.hubspot.control.createStaticToken({ hubId: s.hubId, scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.companies.read', 'crm.objects.companies.write'] });
  await putCredential(s.server.daemon.db.kysely, s.server.daemon.vault, { owner: connectionOwner(s.connectionId), kind: STATIC_TOKEN_KIND, value: token, now: Date.now() });
  // The capture job waits out the grace window from the conversation's last close (d64a966); this
  // test is about the refusal, not the window.
  await s.setSettings((settings) => void (settings.conversations.capture.graceMinutes = 0));
  const { conversationId } = s.conversation({ spacingMs: 0 });
  const { CAPTURE_TASK, captureKey } = await import('../../src/capture/capture-task.ts');
  await s.server.daemon.jobs.enqueue({ task: CAPTURE_TASK, payload: { conversationId, trigger: 'on_close' }, connectionId: s.connectionId, key: captureKey(s.connectionId, conversationId) });
  const ended = await until('the capture job to end', async () => (await jobsOf(s, CAPTURE_TASK)).find((job) => job.status === 'failed' || job.status === 'succeeded'));
  t.match(ended, { status: 'failed', attempts: 1 }, 'failed once, not retried');
  const detail = await s.api('GET', `/api/connections/${s.connectionId}`);
  t.ok(detail.body?.warnings.some((w: string) => /tickets/.test(w) && /scope|permission/i.test(w)), `the connection says what is missing: ${JSON.stringify(detail.body?.warnings)}`);
  const activity = await s.api('GET', `/api/connections/${s.connectionId}/activity?outcome=failed`);
  t.match(activity.body?.entries[0], { kind: 'capture', reason: /tickets/ });
});

t.test('a stage deleted in HubSpot after the settings were checked: one failed sync, an activity entry and a warning', async (t) => {
  const s = await ticketScenario(t);
  const { conversationId } = s.conversation({ close: false, spacingMs: 0 });
  s.intercom.control.actAsAdmin.reply({ conversationId, adminId: s.adminId, body: '<p>Looking.</p>' });
  const pushed = await s.push(conversationId, { force: true });
  t.match(pushed.body, { ticket: { outcome: 'created', stage: 'New' } });
  // A person deletes the Closed stage in HubSpot (the simulator has no stage-delete route; its state stands in).
  const stage = s.hubspot.state.portals.get(s.hubId)?.pipelines.get('0')?.stages.find((each) => each.id === '4');
  t.ok(stage, 'the seeded Closed stage');
  if (stage) stage.archived = true;
  s.intercom.control.actAsAdmin.close({ conversationId, adminId: s.adminId });
  await s.intercom.control.webhooks.flush();
  // The admin's reply can reach the daemon after the push made the ticket (webhooks are delivered
  // meanwhile, not only at the flush): its stage sync reads the conversation still open, finds the
  // ticket at New and succeeds. So the sync that matters is the one that fails, not the first to end
  // (seen on PostgreSQL under load: the reply's sync ended first and the checks below ran too early).
  const ended = await until('the stage sync after the close to fail', async () => (await jobsOf(s, 'ticket.stage')).find((job) => job.status === 'failed'));
  t.match(ended, { status: 'failed', attempts: 1 }, 'no retry storm');
  t.same((await jobsOf(s, 'ticket.stage')).filter((job) => job.attempts > 1), [], 'no stage sync was tried twice');
  // Which part notices first depends on the pipeline cache's age when the close arrives: the stage
  // sync's move, refused by HubSpot, or a fresh read of the pipeline, where the default closed stage is
  // gone (seen on PostgreSQL under CI's load). Both fail once, log it and name the setting to fix.
  const refused = /refused to move ticket .* to stage 'Closed'.*tickets\.stages\.closed/;
  const noStage = /tickets\.stages\.closed: no stage is set and pipeline 'Support Pipeline' has no closed stage to default to/;
  const detail = await s.api('GET', `/api/connections/${s.connectionId}`);
  t.ok(detail.body?.warnings.some((w: string) => refused.test(w) || noStage.test(w)), `the connection names the setting to fix: ${JSON.stringify(detail.body?.warnings)}`);
  const activity = await s.api('GET', `/api/connections/${s.connectionId}/activity?outcome=failed`);
  t.match(activity.body?.entries[0], { kind: 'ticket', subjectId: conversationId, reason: /stage 'Closed'|no closed stage to default to/ });
});

t.test('the activity log filters ticket entries from capture entries', async (t) => {
  const s = await ticketScenario(t);
  const { conversationId } = s.conversation({ spacingMs: 0 });
  await s.push(conversationId);
  const hubspot = s.server.daemon.clients.hubspot(await s.row());
  const ticketId = s.hubspot.control.records({ hubId: s.hubId, objectType: 'tickets' })[0]?.id as string;
  await hubspot.http.send({ method: 'DELETE', path: `/crm/objects/2026-09/tickets/${ticketId}` });
  const tickets = await until('a ticket entry', async () => (await s.api('GET', `/api/connections/${s.connectionId}/activity?kind=ticket`)).body?.entries?.[0]);
  t.match(tickets, { kind: 'ticket', outcome: 'failed' });
  const captures = await s.api('GET', `/api/connections/${s.connectionId}/activity?kind=capture`);
  t.ok(captures.body?.entries.every((entry: { kind: string }) => entry.kind === 'capture'));
  t.equal((await s.api('GET', `/api/connections/${s.connectionId}/activity?kind=other`)).status, 400);
});

t.test('no HubSpot contact or company to put it on: no ticket (a rerun could not find it again, and would make a second)', async (t) => {
  const s = await ticketScenario(t);
  await s.setSettings((settings) => void (settings.matching.contacts.onNoMatch = 'skip'));
  const { conversationId } = s.conversation({ company: null });
  const pushed = await s.push(conversationId, { force: true });
  t.equal(pushed.status, 200);
  t.match(pushed.body?.ticket, { outcome: 'off', ticketId: null, problem: /no HubSpot contact or company/ });
  t.equal(tickets(s).length, 0, 'no orphan ticket');
});
