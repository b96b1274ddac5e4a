// Pairs followed through merges and ended by deletions, end to end (#17 items 1 and 8): a HubSpot
// contact merge moves the merged-away contact's pair to the survivor; a contact deleted on either
// side ends its pair with an activity entry and deletes nothing on the other side; an Intercom lead
// that signs up, or is merged into a user, leaves one pair.
import t from 'tap';
import type { Scenario } from '../helpers/capture-scenario.ts';
import { ACTIVE, activity, allWrites, clearRequests, hubspotRecord, intercomCompany, intercomContact, pairedCompany, pairedContact, pairOf, pairsOfHubSpot, settled, syncScenario } from '../helpers/record-sync-scenario.ts';
import { until } from '../helpers/until.ts';

/** A person's action in HubSpot that only its API offers here (merge, delete): sent with the connection's own client. */
async function hubspotCall(s: Scenario, method: 'POST' | 'DELETE', path: string, body?: unknown) {
  const hubspot = s.server.daemon.clients.hubspot(await s.row());
  return hubspot.http.send({ method, path, ...(body === undefined ? {} : { body }) });
}

const deletes = (s: Scenario) => ({
  hubspot: s.hubspot.control.requests().entries.filter((entry) => entry.method === 'DELETE' || entry.path.includes('/batch/archive')).length,
  intercom: s.intercom.control.requests.entries().filter((entry) => entry.method === 'DELETE' || entry.path.includes('/archive')).length,
});

t.test('a HubSpot contact merge moves the merged-away contact\'s pair to the survivor, which then syncs', async (t) => {
  const s = await syncScenario(t);
  const first = await pairedContact(s, { email: 'merge.one@acme.test', name: 'Mia One' });
  const second = await pairedContact(s, { email: 'merge.two@acme.test', name: 'Mia Two' });
  t.not(first.hubspotId, second.hubspotId);

  const merged = await hubspotCall(s, 'POST', '/crm/objects/2026-09/contacts/merge', { primaryObjectId: second.hubspotId, objectIdToMerge: first.hubspotId });
  t.equal(merged.status, 200);
  await until('the first contact\'s pair to follow the survivor', async () => (await pairOf(s, first.intercomId))?.hubspot_id === second.hubspotId, ACTIVE);
  await settled(s);
  t.same((await pairsOfHubSpot(s, second.hubspotId)).map((pair) => pair.intercom_id).sort(), [first.intercomId, second.intercomId].sort(), 'both Intercom contacts on the survivor');
  t.same(await pairsOfHubSpot(s, first.hubspotId), [], 'none left on the merged-away contact');
  t.ok(intercomContact(s, first.intercomId) && intercomContact(s, second.intercomId), 'nothing deleted in Intercom');
  // The survivor is HubSpot's record of the person now: moving a pair to it must not rewrite it, or its other pair, with the merged-away contact's values.
  t.equal(hubspotRecord(s, 'contacts', second.hubspotId)?.properties['email'], 'merge.two@acme.test', 'the survivor keeps its email');
  t.equal(intercomContact(s, second.intercomId)?.['name'], 'Mia Two', 'the survivor\'s own Intercom contact keeps its name');
  // Two Intercom contacts on one HubSpot contact: once settled, they do not write each other's values back and forth.
  clearRequests(s);
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  await settled(s);
  t.equal(allWrites(s), 0, 'no write once the merge has settled');

  // The moved pair syncs with the survivor: a change of the first Intercom contact lands there.
  clearRequests(s);
  // A second later: Intercom's updated_at counts seconds, and an update webhook in the very second of
  // Interhubz's own write is taken for its echo (echo-hints.ts) and left to the sweep.
  s.intercom.control.clock.advance(1_500);
  s.intercom.control.contacts.update(first.intercomId, { phone: '+3312345678' });
  await until('the survivor to have the phone', () => hubspotRecord(s, 'contacts', second.hubspotId)?.properties['phone'] === '+3312345678', { ...ACTIVE, explain: async () => JSON.stringify((await activity(s, 'contact')).map((e) => [e.outcome, e.reason, e.detail])) });
  t.ok(hubspotRecord(s, 'contacts', first.hubspotId) === undefined || hubspotRecord(s, 'contacts', first.hubspotId)?.archived, 'the merged-away contact is archived by HubSpot, not written to');
});

t.test('a HubSpot company merge moves the merged-away company\'s pair to the survivor; nothing is deleted in Intercom', async (t) => {
  const s = await syncScenario(t, { companies: true });
  const first = await pairedCompany(s, { name: 'Hooli', website: 'https://hooli.test' });
  const second = await pairedCompany(s, { name: 'Hooli XYZ', website: 'https://hooli-xyz.test' });

  const merged = await hubspotCall(s, 'POST', '/crm/objects/2026-09/companies/merge', { primaryObjectId: second.hubspotId, objectIdToMerge: first.hubspotId });
  t.equal(merged.status, 200);
  await until('the first company\'s pair to follow the survivor', async () => (await pairOf(s, first.intercomId, 'company'))?.hubspot_id === second.hubspotId, ACTIVE);
  await settled(s);
  t.same((await pairsOfHubSpot(s, second.hubspotId, 'company')).map((pair) => pair.intercom_id).sort(), [first.intercomId, second.intercomId].sort());
  t.ok(intercomCompany(s, first.intercomId) && intercomCompany(s, second.intercomId), 'nothing deleted in Intercom');
  t.equal(hubspotRecord(s, 'companies', second.hubspotId)?.properties['domain'], 'hooli-xyz.test', 'the survivor keeps its domain');
  t.equal(intercomCompany(s, second.intercomId)?.['name'], 'Hooli XYZ', 'the survivor\'s own Intercom company keeps its name');
});

t.test('a contact deleted in HubSpot ends its pair with an activity entry; nothing is deleted in Intercom', async (t) => {
  const s = await syncScenario(t);
  const pair = await pairedContact(s, { email: 'deleted.hs@acme.test', name: 'Del Hub' });

  const deleted = await hubspotCall(s, 'DELETE', `/crm/objects/2026-09/contacts/${pair.hubspotId}`);
  t.equal(deleted.status, 204);
  await until('the pair to end', async () => (await pairOf(s, pair.intercomId)) === undefined, ACTIVE);
  await settled(s);
  t.ok(intercomContact(s, pair.intercomId), 'the Intercom contact stays');
  t.equal(deletes(s).intercom, 0, 'no delete call to Intercom');
  const entries = await activity(s, 'contact');
  t.ok(entries.some((entry) => entry.outcome === 'skipped' && /deleted in HubSpot.*nothing is deleted/.test(entry.reason ?? '')), 'the activity says the pair ended');

  // A later change of the Intercom contact does not write to the deleted record.
  s.intercom.control.contacts.update(pair.intercomId, { phone: '+3399999999' });
  await settled(s);
  t.ok(hubspotRecord(s, 'contacts', pair.hubspotId)?.archived ?? true, 'the deleted HubSpot contact is not brought back');
});

t.test('a company deleted in HubSpot ends its pair with an activity entry; the Intercom company stays', async (t) => {
  const s = await syncScenario(t, { companies: true });
  const pair = await pairedCompany(s, { name: 'Vandelay', website: 'https://vandelay.test' });

  const deleted = await hubspotCall(s, 'DELETE', `/crm/objects/2026-09/companies/${pair.hubspotId}`);
  t.equal(deleted.status, 204);
  await until('the pair to end', async () => (await pairOf(s, pair.intercomId, 'company')) === undefined, ACTIVE);
  await settled(s);
  t.ok(intercomCompany(s, pair.intercomId), 'the Intercom company stays');
  t.equal(deletes(s).intercom, 0, 'no delete call to Intercom');
  const entries = await activity(s, 'company');
  t.ok(entries.some((entry) => entry.outcome === 'skipped' && /deleted in HubSpot.*nothing is deleted/.test(entry.reason ?? '')), 'the activity says the pair ended');
});

t.test('a contact deleted in Intercom ends its pair with an activity entry; nothing is deleted in HubSpot', async (t) => {
  const s = await syncScenario(t);
  const pair = await pairedContact(s, { email: 'deleted.ic@acme.test', name: 'Del Icom' });

  s.intercom.control.contacts.delete(pair.intercomId);
  await until('the pair to end', async () => (await pairOf(s, pair.intercomId)) === undefined, ACTIVE);
  await settled(s);
  t.equal(hubspotRecord(s, 'contacts', pair.hubspotId)?.archived, false, 'the HubSpot contact stays');
  t.equal(deletes(s).hubspot, 0, 'no delete call to HubSpot');
  const entries = await activity(s, 'contact');
  t.ok(entries.some((entry) => entry.outcome === 'skipped' && /deleted in Intercom.*nothing is deleted/.test(entry.reason ?? '')), 'the activity says the pair ended');

  // A person's change in HubSpot afterwards creates nothing in Intercom.
  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: pair.hubspotId, properties: { phone: '+3388888888' } });
  await settled(s);
  t.equal((s.intercom.control.records(s.workspaceId).contacts as unknown[]).length, 0, 'no contact made in Intercom');
});

t.test('a lead that signs up keeps its one pair', async (t) => {
  const s = await syncScenario(t);
  const lead = s.intercom.control.contacts.create(s.workspaceId, { role: 'lead', email: 'lead.signup@acme.test', name: 'Lea Lead' });
  const leadId = String(lead.id);
  const paired = await until('the lead to be paired', () => pairOf(s, leadId), ACTIVE);
  await settled(s);

  s.intercom.control.contacts.signUp(leadId, { externalId: 'user-77' });
  await settled(s);
  t.equal((await pairOf(s, leadId))?.hubspot_id, paired.hubspot_id, 'the same pair');
  t.equal((await pairsOfHubSpot(s, paired.hubspot_id)).length, 1);
  t.equal(s.records('contacts').length, 1, 'no second HubSpot contact');
});

t.test('a lead merged into a user leaves one pair: the user keeps its own, the lead\'s ends', async (t) => {
  const s = await syncScenario(t);
  const user = await pairedContact(s, { email: 'user.merge@acme.test', name: 'Uma User' });
  const lead = await pairedContact(s, { role: 'lead', email: 'lead.merge@acme.test', name: 'Uma Lead' });

  s.intercom.control.contacts.merge(lead.intercomId, user.intercomId);
  await settled(s);
  // Anything that makes the lead's HubSpot contact sync (here a person's edit) must not find the merged-away lead paired.
  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: lead.hubspotId, properties: { phone: '+3377777777' } });
  await settled(s);
  t.equal((await pairOf(s, user.intercomId))?.hubspot_id, user.hubspotId, 'the user keeps its own pair');
  t.equal(await pairOf(s, lead.intercomId), undefined, 'the merged-away lead is no longer paired');
  t.equal(intercomContact(s, user.intercomId)?.['phone'] ?? null, null, 'the lead\'s HubSpot contact is not synced into the user, which has its own pair');
});

t.test('a lead merged into an unpaired user: the user takes the lead\'s pair', async (t) => {
  const s = await syncScenario(t);
  const lead = await pairedContact(s, { role: 'lead', email: 'lead.only@acme.test', name: 'Lou Lead' });
  // A user Interhubz has not paired: record sync for contacts was off when it was made.
  await s.setSettings((settings) => void (settings['recordSync'].contacts.enabled = false));
  const user = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'user.only@acme.test', name: 'Lou User' });
  const userId = String(user.id);
  await settled(s);
  await s.setSettings((settings) => void (settings['recordSync'].contacts.enabled = true));
  t.equal(await pairOf(s, userId), undefined);

  s.intercom.control.contacts.merge(lead.intercomId, userId);
  await settled(s);
  t.equal(await pairOf(s, lead.intercomId), undefined, 'the lead\'s pair ended');
  t.equal((await pairOf(s, userId))?.hubspot_id, lead.hubspotId, 'the user took it');
  t.equal(deletes(s).hubspot + deletes(s).intercom, 0, 'nothing deleted');
});
