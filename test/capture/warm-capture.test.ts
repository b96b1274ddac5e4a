// One Intercom call per warm capture (#19 item 2): a conversation whose contact and company are
// paired is captured from the conversation alone; a first capture reads at most the conversation,
// its contact and its company. Counted per route in the Intercom simulator's request log. And what
// must still read the contact: a pair whose HubSpot record is gone, a contact whose company capture
// has not seen lately or saw none, the contacts' record filters for conversations.
import t, { type Test } from 'tap';
import { captureScenario as startScenario, type Scenario } from '../helpers/capture-scenario.ts';

const CONVERSATION = 'GET /conversations/:conversation_id';
const CONTACT = 'GET /contacts/:contact_id';
const COMPANY = 'GET /companies/:company_id';

/** No scheduler: what the simulator logs is the pushes' calls alone, not a sweep's or a chore's. */
const captureScenario = (t: Test, options: { clock?: () => number } = {}) => startScenario(t, { ...options, startScheduler: false });

/** Pushes the conversation and answers with the Intercom calls it made, by route. */
async function pushCounting(t: Test, s: Scenario, conversationId: string) {
  s.intercom.control.requests.clear();
  const result = await s.push(conversationId);
  t.equal(result.status, 200, JSON.stringify(result.body));
  return { body: result.body, calls: s.intercom.control.requests.counts() };
}

t.test('a warm capture reads the conversation alone; a cold one the conversation, its contact and its company', async (t) => {
  const s = await captureScenario(t);
  const first = s.conversation({ customer: 'mia@acme.test' });
  const cold = await pushCounting(t, s, first.conversationId);
  t.match(cold.body, { outcome: 'captured', contact: { how: 'created' }, company: { how: 'created' } });
  t.same(cold.calls, { [CONVERSATION]: 1, [CONTACT]: 1, [COMPANY]: 1 }, 'cold: three calls');

  const second = s.conversation({ contactId: first.contactId });
  const warm = await pushCounting(t, s, second.conversationId);
  t.match(warm.body, { outcome: 'captured', contact: { id: cold.body?.contact.id, how: 'linked' }, company: { id: cold.body?.company.id, how: 'linked' } });
  t.same(warm.calls, { [CONVERSATION]: 1 }, 'warm: the conversation only');
  const note = s.notes().find((entry) => entry.id === warm.body?.noteId);
  t.same(note?.associations.contacts?.map((a) => a.id), [cold.body?.contact.id], 'on the paired contact');
  t.same(note?.associations.companies?.map((a) => a.id), [cold.body?.company.id], 'and the paired company');
  t.match(note?.properties.hs_note_body, /Customer 1/, 'the transcript names the customer as the conversation does');

  const again = await pushCounting(t, s, second.conversationId);
  t.equal(again.body?.outcome, 'unchanged', 'pushed again, the note stands');
  t.same(again.calls, { [CONVERSATION]: 1 });
});

t.test('a paired contact deleted in HubSpot: the capture reads the contact again, matches afresh, and is warm once more', async (t) => {
  const s = await captureScenario(t);
  const first = s.conversation({ customer: 'noah@acme.test' });
  const captured = await pushCounting(t, s, first.conversationId);
  const gone = captured.body?.contact.id as string;
  const client = s.server.daemon.clients.hubspot(await s.row());
  await client.http.send({ method: 'DELETE', path: `/crm/objects/2026-09/contacts/${gone}` });

  const second = s.conversation({ contactId: first.contactId });
  const rematched = await pushCounting(t, s, second.conversationId);
  t.match(rematched.body, { outcome: 'captured', contact: { how: 'created' } });
  t.not(rematched.body?.contact.id, gone, 'a new contact, not the deleted one');
  t.equal(rematched.calls[CONTACT], 1, 'the contact was read again');
  const note = s.notes().find((entry) => entry.id === rematched.body?.noteId);
  t.same(note?.associations.contacts?.map((a) => a.id), [rematched.body?.contact.id]);

  const third = s.conversation({ contactId: first.contactId });
  const warm = await pushCounting(t, s, third.conversationId);
  t.match(warm.body, { outcome: 'captured', contact: { id: rematched.body?.contact.id, how: 'linked' } });
  t.same(warm.calls, { [CONVERSATION]: 1 }, 'paired again: warm again');
});

t.test('a paired company deleted in HubSpot: the capture reads contact and company again and makes the company anew', async (t) => {
  const s = await captureScenario(t);
  const first = s.conversation({ customer: 'ines@initech.test', company: { name: 'Initech', website: 'https://initech.test' } });
  const captured = await pushCounting(t, s, first.conversationId);
  const gone = captured.body?.company.id as string;
  const client = s.server.daemon.clients.hubspot(await s.row());
  await client.http.send({ method: 'DELETE', path: `/crm/objects/2026-09/companies/${gone}` });

  const second = s.conversation({ contactId: first.contactId });
  const rematched = await pushCounting(t, s, second.conversationId);
  t.match(rematched.body, { outcome: 'captured', contact: { id: captured.body?.contact.id }, company: { how: 'created' } });
  t.not(rematched.body?.company.id, gone, 'a new company, not the deleted one');
  t.equal(rematched.calls[COMPANY], 1, 'the company was read again');
  const note = s.notes().find((entry) => entry.id === rematched.body?.noteId);
  t.same(note?.associations.companies?.map((a) => a.id), [rematched.body?.company.id]);
});

t.test('a paired contact seen without a company is read again: a company attached since gets the note', async (t) => {
  const s = await captureScenario(t);
  const first = s.conversation({ customer: 'lea@globex.test', company: null });
  const captured = await pushCounting(t, s, first.conversationId);
  t.match(captured.body, { outcome: 'captured', contact: { how: 'created' } });
  t.notOk(captured.body?.company, 'no company yet');

  const company = s.intercom.control.companies.create(s.workspaceId, { name: 'Globex', website: 'https://globex.test' });
  s.intercom.control.contacts.attachCompany(first.contactId, String(company.id));
  const second = s.conversation({ contactId: first.contactId });
  const joined = await pushCounting(t, s, second.conversationId);
  t.match(joined.body, { outcome: 'captured', contact: { id: captured.body?.contact.id, how: 'linked' }, company: { how: 'created' } });
  t.same(joined.calls, { [CONVERSATION]: 1, [CONTACT]: 1, [COMPANY]: 1 });

  const third = s.conversation({ contactId: first.contactId });
  t.same((await pushCounting(t, s, third.conversationId)).calls, { [CONVERSATION]: 1 }, 'both paired now: warm');
});

t.test('what capture saw of the company stands for an hour; after that the contact is read again', async (t) => {
  let ahead = 0;
  const s = await captureScenario(t, { clock: () => Date.now() + ahead });
  const first = s.conversation({ customer: 'omar@acme.test' });
  await pushCounting(t, s, first.conversationId);
  ahead = 59 * 60_000;
  const second = s.conversation({ contactId: first.contactId });
  t.same((await pushCounting(t, s, second.conversationId)).calls, { [CONVERSATION]: 1 }, 'within the hour: warm');
  ahead = 61 * 60_000;
  const third = s.conversation({ contactId: first.contactId });
  const stale = await pushCounting(t, s, third.conversationId);
  t.match(stale.body, { outcome: 'captured', contact: { how: 'linked' }, company: { how: 'linked' } });
  t.same(stale.calls, { [CONVERSATION]: 1, [CONTACT]: 1 }, 'the contact read again; its company, still paired, is not');
  const fourth = s.conversation({ contactId: first.contactId });
  t.same((await pushCounting(t, s, fourth.conversationId)).calls, { [CONVERSATION]: 1 }, 'seen again just now: warm');
});

t.test('the contacts\' record filters for conversations read the contact: a paired contact is read, and kept out when a filter says so', async (t) => {
  const s = await captureScenario(t);
  const first = s.conversation({ customer: 'tester@acme.test' });
  await pushCounting(t, s, first.conversationId);
  await s.setSettings((settings) => {
    settings['recordSync'].contacts.filters = { toHubSpot: [{ field: 'email', operator: 'not_contains', value: 'tester' }], toIntercom: [], conversations: true };
  });
  const second = s.conversation({ contactId: first.contactId });
  const filtered = await pushCounting(t, s, second.conversationId);
  t.match(filtered.body, { outcome: 'skipped', guard: 'record_filter' });
  t.equal(filtered.calls[CONTACT], 1, 'the filters judged the contact as Intercom has it now');

  const other = s.conversation({ customer: 'buyer@acme.test' });
  await pushCounting(t, s, other.conversationId);
  const next = s.conversation({ contactId: other.contactId });
  const passed = await pushCounting(t, s, next.conversationId);
  t.match(passed.body, { outcome: 'captured', contact: { how: 'linked' }, company: { how: 'linked' } });
  t.same(passed.calls, { [CONVERSATION]: 1, [CONTACT]: 1 }, 'the contact is read for the filters; its company, paired, is not');
});

t.test('a conversation its paired customer wrote nothing in (a lead merged into them wrote it) reads the customer, whom the transcript names', async (t) => {
  const s = await captureScenario(t);
  const first = s.conversation({ customer: 'zoe@acme.test' });
  const captured = await pushCounting(t, s, first.conversationId);
  const lead = s.intercom.control.contacts.create(s.workspaceId, { role: 'lead', email: 'visitor@acme.test', name: 'Web Visitor' });
  const { conversationId } = s.conversation({ contactId: String(lead.id) });
  // The simulator moves the lead's conversations to the user, as Intercom does; the parts stay the lead's.
  s.intercom.control.contacts.merge(String(lead.id), first.contactId);
  const merged = await pushCounting(t, s, conversationId);
  t.match(merged.body, { outcome: 'captured', contact: { id: captured.body?.contact.id, how: 'linked' }, company: { id: captured.body?.company.id, how: 'linked' } });
  t.same(merged.calls, { [CONVERSATION]: 1, [CONTACT]: 1 }, 'the customer read for their name; their company, paired, not');
  const note = s.notes().find((entry) => entry.id === merged.body?.noteId);
  t.match(note?.properties.hs_note_body, /Customer 1/, 'the transcript names the customer');
});

t.test('tickets: a warm capture that makes a ticket reads the conversation alone, and the company too when the templates name it', async (t) => {
  const s = await captureScenario(t);
  await s.setSettings((settings) => {
    settings.conversations.routing.defaultDestinations = ['contact', 'company', 'ticket'];
  });
  const tickets = () => s.hubspot.control.records({ hubId: s.hubId, objectType: 'tickets' });
  const first = s.conversation({ customer: 'kai@acme.test', company: { name: 'Acme Tools', website: 'https://acme-tools.test' } });
  t.same((await pushCounting(t, s, first.conversationId)).calls, { [CONVERSATION]: 1, [CONTACT]: 1, [COMPANY]: 1 });

  const second = s.conversation({ contactId: first.contactId });
  const warm = await pushCounting(t, s, second.conversationId);
  t.match(warm.body, { outcome: 'captured', ticket: { outcome: 'created' } });
  t.same(warm.calls, { [CONVERSATION]: 1 }, 'the default templates name the customer, whom the conversation names');
  const made = tickets().find((ticket) => ticket.id === warm.body?.ticket.ticketId);
  t.match(made?.properties.content, /with Customer 1:/);

  await s.setSettings((settings) => {
    settings.tickets.descriptionTemplate = 'Intercom conversation {id} with {customer} of {company}';
  });
  const third = s.conversation({ contactId: first.contactId });
  const named = await pushCounting(t, s, third.conversationId);
  t.match(named.body, { outcome: 'captured', company: { id: warm.body?.company.id, how: 'linked' }, ticket: { outcome: 'created' } });
  t.same(named.calls, { [CONVERSATION]: 1, [COMPANY]: 1 }, 'the company is read for its name; the contact is not');
  t.match(tickets().find((ticket) => ticket.id === named.body?.ticket.ticketId)?.properties.content, /with Customer 1 of Acme Tools/);
});
