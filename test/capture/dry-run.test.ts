// A dry run tells the truth (issue #14 item 14): for every outcome, a dry run and the push right
// after it agree — the dry run answers 'planned' where the push writes (captured or updated) and the
// push's own outcome where it writes nothing, names in `wouldBe` what the push will answer, names the
// same note, and predicts the ticket's outcome ('planned' where the push creates one).
import t, { type Test } from 'tap';
import { updateLinksOfTicket } from '../../src/tickets/ticket-store.ts';
import { captureScenario, type Scenario } from '../helpers/capture-scenario.ts';

const TICKET_OUTCOME_OF_PLAN: Record<string, string> = { planned: 'created', existing: 'existing', reused: 'reused', deleted: 'deleted', off: 'off' };

/** Every record of the portal, archived ones too, with its properties and associations. */
const hubspotState = (s: Scenario) =>
  JSON.stringify((['contacts', 'companies', 'notes', 'tickets'] as const).map((objectType) => s.hubspot.control.records({ hubId: s.hubId, objectType, includeArchived: true })));

/** A dry run, then the push: they must agree. Returns the push's answer. */
async function dryThenPush(t: Test, s: Scenario, conversationId: string, push: { force?: boolean } = {}) {
  const before = hubspotState(s);
  const dry = await s.push(conversationId, { ...push, dryRun: true });
  t.equal(dry.status, 200, 'the dry run answers');
  t.equal(hubspotState(s), before, 'the dry run wrote nothing to HubSpot');

  const real = await s.push(conversationId, push);
  t.equal(real.status, 200, 'the push answers');
  const outcome = String(real.body?.outcome);
  t.equal(dry.body?.wouldBe, outcome, `the dry run said the push would answer '${outcome}'`);
  t.equal(dry.body?.outcome, outcome === 'captured' || outcome === 'updated' ? 'planned' : outcome, "'planned' exactly where the push writes");
  if (outcome === 'updated' || outcome === 'unchanged') t.equal(dry.body?.noteId, real.body?.noteId, 'the same note');
  if (outcome === 'captured') t.equal(dry.body?.noteId, undefined, 'no note id for a note yet to be made');
  if (outcome === 'skipped') t.match(dry.body, { guard: real.body?.guard, reason: real.body?.reason, rule: real.body?.rule });
  if (real.body?.ticket) t.equal(TICKET_OUTCOME_OF_PLAN[String(dry.body?.ticket?.outcome)], real.body.ticket.outcome, `ticket: '${dry.body?.ticket?.outcome}' before '${real.body.ticket.outcome}'`);
  return { dry: dry.body, real: real.body };
}

t.test('notes: captured, unchanged, updated, re-made after a deletion, and skipped by a guard', async (t) => {
  const s = await captureScenario(t);
  const { conversationId } = s.conversation({});

  t.match((await dryThenPush(t, s, conversationId)).real, { outcome: 'captured', contact: { created: true }, company: { created: true } });
  const unchanged = await dryThenPush(t, s, conversationId);
  t.match(unchanged.dry, { outcome: 'unchanged', wouldBe: 'unchanged' }, 'an unchanged conversation: the dry run says so (it said planned)');
  t.notOk(unchanged.dry?.preview, 'nothing to preview: nothing would be written');

  s.intercom.control.actAsAdmin.reply({ conversationId, adminId: s.adminId, body: '<p>One more thing.</p>' });
  const updated = await dryThenPush(t, s, conversationId);
  t.match(updated.dry, { outcome: 'planned', wouldBe: 'updated', preview: { noteHtml: /One more thing/ } });

  s.intercom.control.actAsAdmin.reply({ conversationId, adminId: s.adminId, body: '<p>And another.</p>' });
  const noteId = String(updated.real?.noteId);
  await deleteInHubSpot(s, 'notes', noteId);
  const remade = await dryThenPush(t, s, conversationId);
  t.match(remade.real, { outcome: 'captured' });
  t.not(remade.real?.noteId, noteId, 'a person deleted the note: a new one, and the dry run knew');

  const short = s.conversation({ messages: 1 });
  t.match((await dryThenPush(t, s, short.conversationId)).real, { outcome: 'skipped', guard: 'human_teammate' });
  t.match((await dryThenPush(t, s, short.conversationId, { force: true })).real, { outcome: 'captured' }, 'forced past the guard, in both');
});

t.test('note policy always_new: a changed conversation plans a new note', async (t) => {
  const s = await captureScenario(t);
  await s.setSettings((settings) => void (settings.conversations.notePolicy = 'always_new'));
  const { conversationId } = s.conversation({});
  await dryThenPush(t, s, conversationId);
  s.intercom.control.actAsAdmin.reply({ conversationId, adminId: s.adminId, body: '<p>Follow-up.</p>' });
  t.match((await dryThenPush(t, s, conversationId)).real, { outcome: 'captured' });
  t.equal(s.notes().length, 2);
});

t.test('tickets: planned before created, existing, reused, deleted — and a ticket added to a captured conversation updates its note', async (t) => {
  const s = await captureScenario(t);
  await s.setSettings((settings) => void (settings.conversations.guards.minDurationMinutes = 0));
  const one = s.conversation({ spacingMs: 0 });
  t.match((await dryThenPush(t, s, one.conversationId)).real, { outcome: 'captured', ticket: undefined }, 'no ticket route yet');

  await s.setSettings((settings) => void (settings.conversations.routing.defaultDestinations = ['contact', 'company', 'ticket']));
  const added = await dryThenPush(t, s, one.conversationId);
  t.match(added.real, { outcome: 'updated', ticket: { outcome: 'created' } }, 'the note joins the new ticket');
  t.match(added.dry, { outcome: 'planned', wouldBe: 'updated', ticket: { outcome: 'planned' } });
  t.match((await dryThenPush(t, s, one.conversationId)).real, { outcome: 'unchanged', ticket: { outcome: 'existing' } });

  await s.setSettings((settings) => void (settings.tickets.policy = 'reuse_open'));
  const open = s.conversation({ close: false, spacingMs: 0 });
  s.intercom.control.actAsAdmin.reply({ conversationId: open.conversationId, adminId: s.adminId, body: '<p>On it.</p>' });
  const created = await dryThenPush(t, s, open.conversationId, { force: true });
  t.match(created.real, { ticket: { outcome: 'created' } });
  const next = s.conversation({ contactId: open.contactId, close: false, spacingMs: 0 });
  const reused = await dryThenPush(t, s, next.conversationId, { force: true });
  t.match(reused.real, { ticket: { outcome: 'reused', ticketId: created.real?.ticket.ticketId } });
  t.equal(reused.dry?.ticket?.ticketId, created.real?.ticket.ticketId, 'the dry run named the ticket it would reuse');

  // What the daemon records when HubSpot says a person deleted the ticket (src/tickets/ticket-tasks.ts).
  const ticketId = String(added.real?.ticket.ticketId);
  await updateLinksOfTicket(s.server.daemon.db.kysely, s.connectionId, ticketId, { status: 'deleted', problem: `HubSpot ticket ${ticketId} was deleted` }, Date.now());
  s.intercom.control.actAsAdmin.reply({ conversationId: one.conversationId, adminId: s.adminId, body: '<p>Later.</p>' });
  t.match((await dryThenPush(t, s, one.conversationId)).real, { outcome: 'updated', ticket: { outcome: 'deleted' } });
});

async function deleteInHubSpot(s: Scenario, type: string, id: string): Promise<void> {
  const token = s.hubspot.control.createStaticToken({ hubId: s.hubId });
  const response = await fetch(`${s.server.url}/sandbox/hubspot/crm/objects/2026-09/${type}/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 204) throw new Error(`deleting ${type} ${id}: ${response.status} ${await response.text()}`);
}
