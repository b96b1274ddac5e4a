// The engagement tie-break end to end (issue #14 item 21): the simulated HubSpot defines and keeps
// the activity dates a real portal keeps (notes_last_updated, hs_last_sales_activity_timestamp), a
// note logged on a contact through its API moves that contact's Last Activity Date, and when two
// HubSpot contacts match one Intercom contact the one with the newer engagement wins.
import t from 'tap';
import { captureScenario } from '../helpers/capture-scenario.ts';
import { until } from '../helpers/until.ts';

const NOTE_TO_CONTACT = 202; // HUBSPOT_DEFINED note → contact (hubspot-api.md §11.3)

t.test('the simulator defines the activity dates and a note associated to a contact updates its Last Activity Date', async (t) => {
  const s = await captureScenario(t);
  const hubspot = s.server.daemon.clients.hubspot(await s.row());
  const properties = await hubspot.http.send({ method: 'GET', path: '/crm/properties/2026-09/contacts' });
  const names = ((properties.body as { results: Array<{ name: string; modificationMetadata: { readOnlyValue: boolean } }> }).results);
  for (const name of ['notes_last_updated', 'hs_last_sales_activity_timestamp']) {
    t.match(names.find((property) => property.name === name), { modificationMetadata: { readOnlyValue: true } }, `${name} is defined, set by HubSpot only`);
  }
  const contact = s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email: 'dated@elsewhere.test' } });
  t.notOk(s.hubspot.control.record({ hubId: s.hubId, objectType: 'contacts', id: contact })?.properties.notes_last_updated, 'no activity yet');

  // Created first, then associated through the v4 associations API.
  const at = '2026-11-20T10:00:00.000Z';
  const note = await hubspot.http.send({ method: 'POST', path: '/crm/objects/2026-09/notes', body: { properties: { hs_timestamp: at, hs_note_body: 'Called back.' } } });
  const noteId = (note.body as { id: string }).id;
  const associated = await hubspot.http.send({ method: 'PUT', path: `/crm/objects/2026-09/notes/${noteId}/associations/default/contacts/${contact}` });
  t.ok(associated.status < 300, `associated (${associated.status})`);
  const dated = () => Date.parse(s.hubspot.control.record({ hubId: s.hubId, objectType: 'contacts', id: contact })?.properties.notes_last_updated ?? '');
  t.equal(dated(), Date.parse(at), 'the note dates the contact\'s last activity');

  // An older note does not move it back; the engagement date is left alone by notes.
  await hubspot.http.send({
    method: 'POST', path: '/crm/objects/2026-09/notes',
    body: { properties: { hs_timestamp: '2026-01-01T00:00:00.000Z', hs_note_body: 'Old.' }, associations: [{ to: { id: contact }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_TO_CONTACT }] }] },
  });
  const after = s.hubspot.control.record({ hubId: s.hubId, objectType: 'contacts', id: contact })?.properties;
  t.equal(dated(), Date.parse(at), 'an older note leaves it');
  t.notOk(after?.hs_last_sales_activity_timestamp, 'a note is not the contact\'s own engagement');
  const direct = await hubspot.http.send({ method: 'PATCH', path: `/crm/objects/2026-09/contacts/${contact}`, body: { properties: { notes_last_updated: at } } }).catch((error: unknown) => error);
  t.match(direct, { details: { status: 400 } }, 'and it cannot be written directly');
});

t.test('two HubSpot contacts match: the one with the newer engagement wins over the older record', async (t) => {
  const s = await captureScenario(t);
  await s.setSettings((settings) => {
    settings.matching.contacts.strategies = [
      { type: 'phone', enabled: true, defaultCountry: 'DE' },
      { type: 'email', enabled: false },
    ];
  });
  const older = s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email: 'old@elsewhere.test', phone: '+49301234567' } });
  const newer = s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email: 'new@elsewhere.test', phone: '+49301234567' } });
  // A teammate logs a note on the newer contact, through HubSpot's API, inline-associated.
  const hubspot = s.server.daemon.clients.hubspot(await s.row());
  const logged = await hubspot.http.send({
    method: 'POST', path: '/crm/objects/2026-09/notes',
    body: { properties: { hs_timestamp: new Date().toISOString(), hs_note_body: 'Spoke on the phone.' }, associations: [{ to: { id: newer }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_TO_CONTACT }] }] },
  });
  t.equal(logged.status, 201);
  // HubSpot's search sees a change a few seconds late (hubspot-api.md §10; the simulator lags 3 s): an
  // engagement logged just now is not yet searchable, one logged earlier is. Wait until it is.
  await until('the search sees the engagement', async () => {
    const page = await hubspot.contacts.searchPage({ filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'EQ', value: newer }] }], properties: ['notes_last_updated'], limit: 1 });
    return page.results[0]?.properties.notes_last_updated;
  }, { timeoutMs: 15_000 });

  const customer = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'caller@acme.test', name: 'Caller', phone: '030 1234567' });
  const { conversationId } = s.conversation({ contactId: String(customer.id) });
  const result = await s.push(conversationId);
  t.match(result.body, { outcome: 'captured', contact: { id: newer, how: 'phone', tieBreak: /2 HubSpot contacts match; chose .* \(most recent engagement/ } });
  t.not(newer, older);
});
