// Record backfills (#18 item 3): the contacts and companies pages of src/records/backfill-records.ts,
// run page by page against the sandbox's simulators as the backfill job runs them (cursor in,
// cursor out), with the daemon's own services. What each test holds: the counts, the HubSpot calls
// per record, capture's matching (a Gmail-dots variant pairs instead of duplicating), a chunk redone
// after a crash writing nothing twice, filters, and the to-Intercom and companies paths.
import t from 'tap';
import type { BackfillCounts, BackfillRow } from '../../src/backfills/backfill-kind.ts';
import { createRecordSyncDeps } from '../../src/records/feature.ts';
import { recordBackfillPages } from '../../src/records/backfill-records.ts';
import { deriveValueHashKey } from '../../src/records/value-hash.ts';
import type { Scenario } from '../helpers/capture-scenario.ts';
import type { Teardownable } from '../helpers/server.ts';
import { TEST_SECRET_KEY } from '../helpers/capture-sims.ts';
import { holdSweeps, hubspotRecord, intercomContact, pairOf, pairedCompany, pairedContact, settled, syncScenario } from '../helpers/record-sync-scenario.ts';

type RecordKind = 'contacts' | 'companies';
type Direction = 'to_hubspot' | 'to_intercom';

const none = (): BackfillCounts => ({ created: 0, updated: 0, unchanged: 0, skippedByFilter: 0, failed: 0 });

/** The scenario's daemon with record sync on, its live webhooks silenced (the records below exist "before go-live"). */
async function quietScenario(t: Teardownable, objects: { contacts?: boolean; companies?: boolean } = { contacts: true }): Promise<Scenario> {
  const s = await syncScenario(t, objects, { secretKey: TEST_SECRET_KEY });
  await holdSweeps(s);
  s.intercom.control.webhooks.setFaultRates({ drop: 1 });
  s.hubspot.control.unsubscribeWebhooks(s.hubId);
  return s;
}

function pagesOf(s: Scenario) {
  const daemon = s.server.daemon;
  const records = createRecordSyncDeps({ capture: daemon.capture, clients: daemon.clients, hashKey: deriveValueHashKey(Buffer.from(TEST_SECRET_KEY, 'base64')) });
  return recordBackfillPages({ ...records, jobs: daemon.jobs });
}

function backfillRow(s: Scenario, kind: RecordKind, direction: Direction): BackfillRow {
  return {
    id: `bf-${kind}-${direction}-${Math.random().toString(36).slice(2)}`, connectionId: s.connectionId, kind, direction, closedFrom: null, closedTo: null,
    state: 'running', cursor: null, total: null, totalIsEstimate: false, counts: none(), pages: 0, rateSamples: [], startedAt: Date.now(), updatedAt: Date.now(), finishedAt: null, lastError: null,
  };
}

/** Runs a backfill's pages to the end, as the job would (one page per run, the cursor carried over). */
async function backfill(s: Scenario, kind: RecordKind, direction: Direction, options: { stopAfter?: number; cursor?: string | null } = {}) {
  const run = pagesOf(s)[kind];
  const backfill = backfillRow(s, kind, direction);
  const counts = none();
  let cursor = options.cursor ?? null;
  let total: number | undefined;
  const cursors: Array<string | null> = [];
  for (let pages = 0; pages < 1000; pages++) {
    if (options.stopAfter !== undefined && pages >= options.stopAfter) break;
    cursors.push(cursor);
    const page = await run({ row: await s.row(), backfill, cursor, signal: new AbortController().signal });
    for (const key of Object.keys(counts) as Array<keyof BackfillCounts>) counts[key] += page.counts[key];
    if (page.total) total = page.total.value;
    cursor = page.cursor;
    if (cursor === null) break;
  }
  return { counts, cursor, cursors, total };
}

const hubspotCalls = (s: Scenario) => s.hubspot.control.requests().entries.filter((entry) => entry.path.startsWith('/crm/'));
const created = (s: Scenario) => hubspotCalls(s).filter((entry) => entry.method === 'POST' && /\/contacts\/batch\/create$/.test(entry.path) && entry.status < 300).length;
const contactWrites = (s: Scenario) => hubspotCalls(s).filter((entry) => (entry.method === 'POST' && /\/contacts\/batch\/(create|update)$/.test(entry.path) && entry.status < 300) || (entry.method === 'PATCH' && /\/contacts\//.test(entry.path)) || (entry.method === 'POST' && /\/contacts$/.test(entry.path) && entry.status < 300)).length;

function seedIntercomContacts(s: Scenario, count: number, domain = 'acme.test') {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const contact = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: `person${i}@${domain}`, name: `Person ${i} Test` });
    ids.push(String(contact.id));
  }
  return ids;
}

t.test('contacts to HubSpot: created 100 per call, an existing Gmail-dots variant paired, at most 0.03 HubSpot calls per record; a second run costs nothing', async (t) => {
  const s = await quietScenario(t);
  const existing = s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email: 'a.na.ruiz@gmail.com', firstname: 'Ana', lastname: 'Ruiz' } });
  const ana = String(s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'anaruiz@gmail.com', name: 'Ana Ruiz' }).id);
  const people = seedIntercomContacts(s, 399);
  s.hubspot.control.clearRequests();

  const first = await backfill(s, 'contacts', 'to_hubspot');
  t.same(first.counts, { created: 399, updated: 1, unchanged: 0, skippedByFilter: 0, failed: 0 }, 'Ana was paired (and her Intercom address written, as her first sync would), everyone else created');
  t.equal(first.total, 400, "Intercom's total_count");
  t.equal((await pairOf(s, ana))?.hubspot_id, existing, 'the Gmail-dots variant is the same person: paired, not duplicated');
  t.equal(s.hubspot.control.records({ hubId: s.hubId, objectType: 'contacts' }).length, 400, 'one HubSpot contact per person');
  const person = await pairOf(s, people[7]!);
  t.equal(hubspotRecord(s, 'contacts', person!.hubspot_id)?.properties['email'], 'person7@acme.test');
  const made = hubspotRecord(s, 'contacts', person!.hubspot_id)?.properties;
  t.equal(`${made?.['firstname']} ${made?.['lastname']}`, 'Person 7 Test', 'the mapped values are in the create');
  t.equal(created(s), 4, 'read 300 a page (two Intercom pages), created in chunks of 100: four calls');
  const perRecord = hubspotCalls(s).length / 400;
  t.ok(perRecord <= 0.03, `${hubspotCalls(s).length} HubSpot calls for 400 records (${perRecord.toFixed(4)} per record)`);

  const entries = await s.server.daemon.db.kysely.selectFrom('activity').select(['outcome', 'detail']).where('connection_id', '=', s.connectionId).where('kind', '=', 'contact').execute();
  const createdEntries = entries.map((entry) => JSON.parse(entry.detail) as { pairing?: string; trigger?: string }).filter((detail) => detail.pairing === 'created');
  t.equal(createdEntries.length, 399, 'an activity entry per contact created');
  t.ok(createdEntries.every((detail) => detail.trigger === 'backfill'), 'said to come from the backfill');

  s.hubspot.control.clearRequests();
  const second = await backfill(s, 'contacts', 'to_hubspot');
  t.same(second.counts, { created: 0, updated: 0, unchanged: 400, skippedByFilter: 0, failed: 0 }, 'nothing new');
  t.equal(contactWrites(s), 0, 'a second run writes nothing');
});

t.test('contacts to HubSpot: a changed paired contact is updated in one batch; two HubSpot contacts sharing a key go through the tie-break', async (t) => {
  const s = await quietScenario(t);
  s.intercom.control.webhooks.setFaultRates({ drop: 0 });
  const paired = await pairedContact(s, { email: 'bo@acme.test', name: 'Bo Chen' });
  s.intercom.control.webhooks.setFaultRates({ drop: 1 });
  s.intercom.control.contacts.update(paired.intercomId, { name: 'Bo Chen-Li' });
  // Two HubSpot contacts whose addresses normalise alike (+tag): ambiguous for the index.
  s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email: 'cy@acme.test' } });
  s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email: 'cy+work@acme.test' } });
  const cy = String(s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'cy@acme.test', name: 'Cy Diaz' }).id);
  s.hubspot.control.clearRequests();

  const run = await backfill(s, 'contacts', 'to_hubspot');
  t.equal(run.counts.updated, 2, 'Bo (changed) and Cy (paired through matching, then written)');
  t.equal(run.counts.created, 0);
  t.equal(hubspotRecord(s, 'contacts', paired.hubspotId)?.properties['lastname'], 'Chen-Li');
  t.ok(hubspotCalls(s).some((entry) => entry.path.endsWith('/contacts/batch/update')), "Bo's change went in a batch update");
  const boEntries = await s.server.daemon.db.kysely.selectFrom('activity').select('detail').where('connection_id', '=', s.connectionId).where('subject_id', '=', paired.intercomId).where('outcome', '=', 'updated').execute();
  t.equal((JSON.parse(boEntries.at(-1)?.detail ?? '{}') as { trigger?: string }).trigger, 'backfill', "Bo's activity entry says the backfill wrote it");
  t.ok(hubspotCalls(s).some((entry) => entry.path.endsWith('/contacts/search')), 'Cy was matched by a search (the tie-break), not the index');
  t.equal(s.hubspot.control.records({ hubId: s.hubId, objectType: 'contacts' }).length, 3, 'no contact created');
  t.ok(await pairOf(s, cy));
});

t.test('contacts to HubSpot: a chunk redone after a crash writes nothing twice', async (t) => {
  const s = await quietScenario(t);
  seedIntercomContacts(s, 120);
  // The index phase, then the first Intercom page (120 contacts: chunks of 100 and 20).
  const index = await backfill(s, 'contacts', 'to_hubspot', { stopAfter: 1 });
  const pageCursor = index.cursor;
  const done = await backfill(s, 'contacts', 'to_hubspot', { cursor: pageCursor, stopAfter: 1 });
  t.equal(done.counts.created, 120);
  const db = s.server.daemon.db.kysely;

  // 1. Killed after the page's pairs were stored, before the framework committed the cursor: redone.
  s.hubspot.control.clearRequests();
  const redo = await backfill(s, 'contacts', 'to_hubspot', { cursor: pageCursor, stopAfter: 1 });
  t.same(redo.counts, { created: 0, updated: 0, unchanged: 120, skippedByFilter: 0, failed: 0 });
  t.equal(contactWrites(s), 0, 'the redone page writes nothing');

  // 2. Killed after HubSpot answered the creates, before anything was stored: what the crash lost.
  await db.deleteFrom('record_pairs').where('connection_id', '=', s.connectionId).execute();
  await db.deleteFrom('record_field_baselines').where('connection_id', '=', s.connectionId).execute();
  await db.deleteFrom('record_links').where('connection_id', '=', s.connectionId).execute();
  await db.deleteFrom('record_hubspot_writes').where('connection_id', '=', s.connectionId).execute();
  s.hubspot.control.clearRequests();
  const again = await backfill(s, 'contacts', 'to_hubspot', { cursor: pageCursor, stopAfter: 1 });
  t.same(again.counts, { created: 0, updated: 0, unchanged: 120, skippedByFilter: 0, failed: 0 }, 'found again with the values they were given');
  t.equal(contactWrites(s), 0, 'no record written a second time');
  const refused = hubspotCalls(s).filter((entry) => entry.path.endsWith('/contacts/batch/create')).map((entry) => entry.status);
  t.same(refused, [409, 409], "each chunk's create is refused (HubSpot's unique email)");
  t.equal(s.hubspot.control.records({ hubId: s.hubId, objectType: 'contacts' }).length, 120, 'no duplicates');
  const pairs = await db.selectFrom('record_pairs').select('intercom_id').where('connection_id', '=', s.connectionId).execute();
  t.equal(pairs.length, 120, 'every contact paired again');
});

t.test('contacts to HubSpot: records the filters keep out are counted and never written', async (t) => {
  const s = await quietScenario(t);
  seedIntercomContacts(s, 5, 'keep.test');
  seedIntercomContacts(s, 3, 'internal.test');
  await s.setSettings((settings) => {
    settings['recordSync'].contacts.filters = { toHubSpot: [{ field: 'email', operator: 'not_contains', value: '@internal.test' }], toIntercom: [], conversations: false };
  });
  const run = await backfill(s, 'contacts', 'to_hubspot');
  t.same(run.counts, { created: 5, updated: 0, unchanged: 0, skippedByFilter: 3, failed: 0 });
  const emails = s.hubspot.control.records({ hubId: s.hubId, objectType: 'contacts' }).map((record) => record.properties['email']);
  t.notOk(emails.some((email) => email?.endsWith('@internal.test')), 'no internal contact in HubSpot');
  const skipped = await s.server.daemon.db.kysely.selectFrom('activity').select(['reason', 'detail']).where('connection_id', '=', s.connectionId).where('outcome', '=', 'skipped').execute();
  t.equal(skipped.length, 3, 'an activity entry per contact kept out');
  t.ok(skipped.every((entry) => entry.reason?.includes('recordSync.contacts.filters.toHubSpot[0]') && !entry.reason.includes('internal.test')), 'naming the filter, not the value');
  t.ok(skipped.every((entry) => (JSON.parse(entry.detail) as { filtered?: { direction?: string } }).filtered?.direction === 'to_hubspot'));
});

t.test('contacts to Intercom: a HubSpot change on a paired contact is written, unchanged pairs cost nothing, an unpaired contact pairs by email', async (t) => {
  const s = await quietScenario(t);
  // HubSpot's search shows records after a moment (hubspot-api.md §10); the total is read from it.
  s.hubspot.control.setSettings({ searchIndexDelayMs: 0 });
  s.intercom.control.webhooks.setFaultRates({ drop: 0 });
  const ana = await pairedContact(s, { email: 'ana@acme.test', name: 'Ana Ruiz' });
  const ben = await pairedContact(s, { email: 'ben@acme.test', name: 'Ben Ode' });
  s.intercom.control.webhooks.setFaultRates({ drop: 1 });
  s.hubspot.control.unsubscribeWebhooks(s.hubId);
  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: ana.hubspotId, properties: { phone: '+34911222333' } });
  const cyIntercom = String(s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'cy@acme.test', name: 'Cy Diaz' }).id);
  const cyHubSpot = s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email: 'cy@acme.test', firstname: 'Cy', lastname: 'Diaz', phone: '+34600000001' } });
  s.intercom.control.requests.clear();

  const run = await backfill(s, 'contacts', 'to_intercom');
  t.equal(run.total, 3, `HubSpot's search total (${run.total})`);
  t.equal(run.counts.failed, 0);
  t.equal(run.counts.updated, 2, "Ana's phone, and Cy's from HubSpot");
  t.equal(run.counts.unchanged, 1, 'Ben');
  t.equal(intercomContact(s, ana.intercomId)?.['phone'], '+34911222333');
  t.equal((await pairOf(s, cyIntercom))?.hubspot_id, cyHubSpot, 'paired by email from HubSpot');
  const reads = s.intercom.control.requests.counts();
  t.equal(reads['PUT /contacts/:contact_id'], 2, 'two Intercom writes');
  t.equal(intercomContact(s, ben.intercomId)?.['name'], 'Ben Ode');
});

t.test('companies to HubSpot: matched or created one by one, paired; a second run finds nothing new', async (t) => {
  const s = await quietScenario(t, { companies: true });
  const existing = s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'companies', properties: { name: 'Umbrella Ltd', domain: 'umbrella.test' } });
  const umbrella = String(s.intercom.control.companies.create(s.workspaceId, { name: 'Umbrella Ltd', website: 'https://umbrella.test' }).id);
  for (const name of ['Acme', 'Globex', 'Initech']) s.intercom.control.companies.create(s.workspaceId, { name: `${name} Inc`, website: `https://${name.toLowerCase()}.test` });

  const first = await backfill(s, 'companies', 'to_hubspot');
  t.equal(first.counts.created, 3, JSON.stringify(first.counts));
  t.equal(first.counts.failed, 0);
  t.equal(first.total, 4);
  t.equal((await pairOf(s, umbrella, 'company'))?.hubspot_id, existing, 'matched by domain');
  t.equal(s.hubspot.control.records({ hubId: s.hubId, objectType: 'companies' }).length, 4);
  await settled(s);
  s.hubspot.control.clearRequests();
  const second = await backfill(s, 'companies', 'to_hubspot');
  t.same(second.counts, { created: 0, updated: 0, unchanged: 4, skippedByFilter: 0, failed: 0 });
  t.equal(hubspotCalls(s).filter((entry) => entry.method !== 'GET' && !entry.path.endsWith('/search') && !entry.path.endsWith('/batch/read')).length, 0, 'nothing written');
});

t.test("companies to HubSpot: another companies scroll open (a sweep's) makes the page wait, not fail", async (t) => {
  const s = await quietScenario(t, { companies: true });
  for (const name of ['Acme', 'Globex']) s.intercom.control.companies.create(s.workspaceId, { name: `${name} Inc`, website: `https://${name.toLowerCase()}.test` });
  // Intercom allows one open scroll per app (intercom-api.md §4.3): a sweep's, left open.
  const sweeping = s.server.daemon.clients.intercom(await s.row()).scrollCompanyPages();
  await sweeping.next();
  await t.rejects(backfill(s, 'companies', 'to_hubspot'), { name: 'RetryAfterError' });
  await sweeping.return(undefined);
});

t.test("contacts to HubSpot: a created contact joins its paired company in HubSpot, in one batch association call", async (t) => {
  const s = await syncScenario(t, { contacts: true, companies: true }, { secretKey: TEST_SECRET_KEY });
  await holdSweeps(s);
  const umbrella = await pairedCompany(s, { name: 'Umbrella Ltd', website: 'https://umbrella.test' });
  s.intercom.control.webhooks.setFaultRates({ drop: 1 });
  s.hubspot.control.unsubscribeWebhooks(s.hubId);
  const people = seedIntercomContacts(s, 3, 'umbrella.test');
  for (const id of people.slice(0, 2)) s.intercom.control.contacts.attachCompany(id, umbrella.intercomId);
  const { counts } = await backfill(s, 'contacts', 'to_hubspot');
  t.equal(counts.created, 3);
  const companiesOf = async (intercomId: string) => {
    const pair = await pairOf(s, intercomId, 'contact');
    return (hubspotRecord(s, 'contacts', String(pair?.hubspot_id))?.associations['companies'] ?? []).map((association) => association.id);
  };
  t.same(await companiesOf(people[0]!), [umbrella.hubspotId], 'the first member is associated with the company');
  t.same(await companiesOf(people[1]!), [umbrella.hubspotId], 'so is the second');
  t.same(await companiesOf(people[2]!), [], 'a contact of no company is left alone');
  const associateCalls = () => hubspotCalls(s).filter((entry) => entry.path.endsWith('/contacts/companies/batch/associate/default')).length;
  t.equal(associateCalls(), 1, 'one batch call for the chunk');
  await backfill(s, 'contacts', 'to_hubspot');
  t.equal(associateCalls(), 1, 'a second run associates nothing again');
});
