// API Push end to end against the simulators: a dry run writes nothing, a push writes one note on
// the contact and the company, a second push of the unchanged conversation writes nothing, a change
// updates the same note, and refusals are clear.
import t from 'tap';
import { captureScenario } from '../helpers/capture-scenario.ts';

t.test('dry run, capture, unchanged, update: one note on the right contact and company', async (t) => {
  const s = await captureScenario(t);
  const { conversationId } = s.conversation({ customer: 'Grace.Hopper+billing@acme.test' });

  const dry = await s.push(conversationId, { dryRun: true });
  t.equal(dry.status, 200, 'the dry run answers');
  t.match(dry.body, { outcome: 'planned', destinations: ['contact', 'company'], contact: { id: null, created: true }, company: { id: null, created: true } });
  t.match(dry.body?.preview?.noteHtml, /My invoice shows the wrong amount/);
  t.equal(s.notes().length, 0, 'a dry run writes no note');
  t.equal(s.records('contacts').length, 0, 'and creates no contact');

  const first = await s.push(conversationId);
  t.equal(first.status, 200, 'the push answers');
  t.match(first.body, { outcome: 'captured', contact: { how: 'created', created: true }, company: { how: 'created', created: true } });
  const notes = s.notes();
  t.equal(notes.length, 1, 'one note');
  const contact = s.records('contacts')[0];
  const company = s.records('companies')[0];
  t.equal(contact?.properties.email, 'grace.hopper+billing@acme.test');
  t.equal(company?.properties.domain, 'acme.test');
  t.same(notes[0]?.associations.contacts?.map((a) => a.id), [contact?.id], 'the note is on the contact');
  t.same(notes[0]?.associations.companies?.map((a) => a.id), [company?.id], 'and on the company');
  t.match(notes[0]?.properties.hs_note_body, /Customer answer 1/);

  const again = await s.push(conversationId);
  t.match(again.body, { outcome: 'unchanged', noteId: first.body?.noteId });
  t.equal(again.body?.apiCalls.hubspot, 0, 'an unchanged conversation costs no HubSpot call');

  s.intercom.control.actAsAdmin.reply({ conversationId, adminId: s.adminId, body: '<p>One more thing.</p>' });
  const updated = await s.push(conversationId);
  t.match(updated.body, { outcome: 'updated', noteId: first.body?.noteId });
  t.equal(s.notes().length, 1, 'still one note');
  t.match(s.notes()[0]?.properties.hs_note_body, /One more thing/);

  const activity = await s.api('GET', `/api/connections/${s.connectionId}/activity`);
  t.same(activity.body?.entries.map((e: { outcome: string }) => e.outcome), ['updated', 'unchanged', 'captured'], 'one activity entry per decision, newest first');
  t.match(activity.body?.entries[2], { subjectId: conversationId, detail: { trigger: 'ui', noteId: first.body?.noteId } });
  t.ok(activity.body?.entries[2].apiCalls > 0);
});

t.test('a second customer of the same company finds the company; a known customer costs one call', async (t) => {
  const s = await captureScenario(t);
  const one = s.conversation({ customer: 'ada@acme.test' });
  t.match((await s.push(one.conversationId)).body, { outcome: 'captured' });
  const two = s.conversation({ customer: 'alan@acme.test', company: { name: 'Acme GmbH', website: 'acme.test' } });
  const second = await s.push(two.conversationId);
  t.match(second.body, { outcome: 'captured', company: { how: 'linked' } });
  t.equal(s.records('companies').length, 1, 'no second company');
  const three = s.conversation({ contactId: one.contactId });
  const warm = await s.push(three.conversationId);
  t.match(warm.body, { outcome: 'captured', contact: { how: 'linked' }, company: { how: 'linked' } });
  t.equal(warm.body?.apiCalls.hubspot, 1, 'known contact and company: the note create is the only HubSpot call');
});

t.test('guards skip with the guard named; force bypasses them; routing can send nowhere', async (t) => {
  const s = await captureScenario(t);
  // One customer message, nobody answered: "a human teammate took part" is checked first.
  const short = s.conversation({ messages: 1 });
  const skipped = await s.push(short.conversationId);
  t.match(skipped.body, { outcome: 'skipped', guard: 'human_teammate' });
  const forced = await s.push(short.conversationId, { force: true });
  t.match(forced.body, { outcome: 'captured' });

  await s.setSettings((settings) => {
    settings.conversations.routing.rules = [{ name: 'Nothing for spam', when: { tags: [], teams: [], assignees: [], channels: [] }, destinations: [] }];
  });
  const other = s.conversation({});
  t.match((await s.push(other.conversationId)).body, { outcome: 'skipped', rule: 'Nothing for spam' });
  const activity = await s.api('GET', `/api/connections/${s.connectionId}/activity?outcome=skipped`);
  t.same(activity.body?.entries.map((e: { reason: string }) => e.reason), ['rule: Nothing for spam', 'human_teammate'], 'each skip is listed; a guard skip names its guard');
  t.match(activity.body?.entries[0], { detail: { rule: 'Nothing for spam', destinations: [] } }, 'a routing skip names its rule');
});

t.test('refusals: unknown conversation 404, paused 409, bad body 400', async (t) => {
  const s = await captureScenario(t);
  const missing = await s.push('999999');
  t.equal(missing.status, 404);
  t.match(missing.body, { error: { code: 'unknown_conversation' } });
  const bad = await s.push('1', { force: 'yes' } as never);
  t.equal(bad.status, 400);
  t.match(bad.body, { error: { code: 'invalid_request', message: /force/ } });
  t.equal((await s.api('POST', `/api/connections/${s.connectionId}/pause`)).status, 200);
  const { conversationId } = s.conversation({});
  const paused = await s.push(conversationId);
  t.equal(paused.status, 409);
  t.match(paused.body, { error: { code: 'connection_paused', message: /paused/ } });
});

t.test('the note is owned by the HubSpot owner mapped to the conversation\'s assignee', async (t) => {
  const s = await captureScenario(t);
  const owner = s.hubspot.control.addOwner({ hubId: s.hubId, email: 'ANA@support.test', firstName: 'Ana', lastName: 'Sales' });
  t.equal((await s.api('POST', `/api/connections/${s.connectionId}/users/refresh`)).status, 202);
  for (let i = 0; i < 100; i++) {
    const users = await s.api('GET', `/api/connections/${s.connectionId}/users`);
    if (users.body?.mappings?.some((m: { adminId: string; ownerId: string | null }) => m.adminId === s.adminId && m.ownerId === String(owner.id))) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { conversationId } = s.conversation({ close: false });
  s.intercom.control.actAsAdmin.assign({ conversationId, adminId: s.adminId, assigneeId: s.adminId });
  s.intercom.control.actAsAdmin.close({ conversationId, adminId: s.adminId });
  const result = await s.push(conversationId);
  t.match(result.body, { outcome: 'captured', ownerId: String(owner.id) });
  t.equal(s.notes()[0]?.properties.hubspot_owner_id, String(owner.id), 'matched by email, case-insensitively');
});

t.test('note policy always_new: a changed conversation gets a second note, an unchanged one none', async (t) => {
  const s = await captureScenario(t);
  await s.setSettings((settings) => void (settings.conversations.notePolicy = 'always_new'));
  const { conversationId } = s.conversation({});
  const first = await s.push(conversationId);
  t.match((await s.push(conversationId)).body, { outcome: 'unchanged', noteId: first.body?.noteId });
  s.intercom.control.actAsAdmin.reply({ conversationId, adminId: s.adminId, body: '<p>Follow-up.</p>' });
  const second = await s.push(conversationId);
  t.match(second.body, { outcome: 'captured' });
  t.not(second.body?.noteId, first.body?.noteId, 'a new note');
  t.equal(s.notes().length, 2);
});

t.test('reference notes: another customer in the conversation gets a short note pointing at the transcript, once', async (t) => {
  const s = await captureScenario(t);
  await s.setSettings((settings) => void (settings.conversations.content.referenceNotesForParticipants = true));
  const { conversationId } = s.conversation({ customer: 'first@acme.test', close: false });
  const colleague = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'colleague@acme.test', name: 'Colleague' });
  s.intercom.control.actAsCustomer.reply({ conversationId, contactId: String(colleague.id), body: '<p>Adding my colleague.</p>' });
  s.intercom.control.actAsAdmin.close({ conversationId, adminId: s.adminId });
  const result = await s.push(conversationId);
  t.match(result.body, { outcome: 'captured', referenceNotes: [{ intercomContactId: String(colleague.id), noteId: /\d+/ }] });
  const colleagueContact = s.records('contacts').find((c) => c.properties.email === 'colleague@acme.test');
  const reference = s.notes().find((note) => note.associations.contacts?.[0]?.id === colleagueContact?.id);
  t.match(reference?.properties.hs_note_body, /Took part in the Intercom conversation/);
  t.notMatch(reference?.properties.hs_note_body, /Adding my colleague/, 'a pointer, not the transcript');
  await s.push(conversationId);
  t.equal(s.notes().length, 2, 'a second push adds no reference note');
});

t.test('API Push with an API token (as an Intercom workflow or a script would call it)', async (t) => {
  const s = await captureScenario(t);
  const created = await s.api('POST', '/api/tokens', { name: 'Intercom workflow', scope: 'push' });
  t.equal(created.status, 201);
  const { conversationId } = s.conversation({});
  const push = (token: string) =>
    fetch(`${s.server.url}/api/connections/${s.connectionId}/conversations/${conversationId}/push`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({}),
    });
  const answer = await push(String(created.body?.secret));
  t.equal(answer.status, 200);
  t.match(await answer.json(), { outcome: 'captured', trigger: 'api' });
  const refused = await push('ihz_not_a_real_token');
  t.equal(refused.status, 401);
});
