// The derived HubSpot values (#17 item 3) read against the simulator through the real client:
// the owner's name and email (cached per connection, archived owners included), the record URL on
// the portal's UI host, and the open deals' count and amount for one associations read and one
// batch read; only the names asked for cost calls; a missing deals scope is named.
import t from 'tap';
import { createDerivedCache, deriveValues, MAX_DEALS_READ, MissingHubSpotScopeError, readDerived, type DerivedInput } from '../../src/records/hubspot-derived.ts';
import { setup, type Env } from '../integrations/hubspot/helpers.ts';

const OWNERS = '/crm/owners/2026-09';
const CONTACT_DEALS = '/crm/associations/2026-09/contacts/deals/batch/read';
const DEALS_READ = '/crm/objects/2026-09/deals/batch/read';
const DETAILS = '/account-info/2026-09/details';

/** The API calls served since the last clear, by path (query strings dropped). */
function calls(env: Env): string[] {
  return env.sim.sim.control.requests().entries.map((entry) => `${entry.method} ${entry.path.split('?')[0]}`);
}

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

t.test('owner values: from the record\'s owner id, archived owners too, listed once per connection for a while', async (t) => {
  const env = await setup(t);
  await env.storeOAuth();
  const hubspot = env.client();
  const control = env.sim.sim.control;
  const gone = control.addOwner({ email: 'old@sim.test', firstName: 'Olga', lastName: 'Old', archived: true });
  const active = [...env.sim.sim.state.portals.get(Number(env.hubId))!.owners.values()].find((o) => o.email === 'agent@sim.test')!;
  const time = clock();
  const deps = { cache: createDerivedCache(), now: time.now };
  const input = (ownerId: string | undefined): DerivedInput => ({
    connectionId: env.connectionId, hubspot, portalId: env.hubId, object: 'contacts', recordId: '1', properties: { hubspot_owner_id: ownerId },
  });

  control.clearRequests();
  t.same(await readDerived(deps, input(active.id), ['@owner.name', '@owner.email']), { '@owner.name': 'Ana Agent', '@owner.email': 'agent@sim.test' });
  t.same(calls(env), [`GET ${OWNERS}`, `GET ${OWNERS}`], 'one listing of active owners, one of archived ones');
  t.same(await readDerived(deps, input(gone.id), ['@owner.name']), { '@owner.name': 'Olga Old' }, 'an archived owner still resolves');
  t.same(await readDerived(deps, input('999'), ['@owner.email']), { '@owner.email': null }, 'an unknown owner id: no value');
  t.same(await readDerived(deps, input(undefined), ['@owner.name', '@owner.email']), { '@owner.name': null, '@owner.email': null }, 'no owner');
  t.equal(calls(env).length, 2, 'the cached listing served them all');

  time.advance(5 * 60_000);
  control.clearRequests();
  await readDerived(deps, input(active.id), ['@owner.name']);
  t.equal(calls(env).filter((call) => call === `GET ${OWNERS}`).length, 2, 'listed again once the cache is old');
});

t.test('the record URL: the record page on the portal\'s UI host', async (t) => {
  const env = await setup(t);
  await env.storeOAuth();
  const hubspot = env.client();
  const control = env.sim.sim.control;
  const deps = { cache: createDerivedCache(), now: clock().now };
  const base = { connectionId: env.connectionId, hubspot, portalId: env.hubId, properties: {} } as const;

  control.clearRequests();
  t.same(await readDerived(deps, { ...base, object: 'contacts', recordId: '101' }, ['@record.url']),
    { '@record.url': `https://app.hubspot.com/contacts/${env.hubId}/record/0-1/101` });
  t.same(await readDerived(deps, { ...base, object: 'companies', recordId: '202' }, ['@record.url']),
    { '@record.url': `https://app.hubspot.com/contacts/${env.hubId}/record/0-2/202` });
  t.same(calls(env), [`GET ${DETAILS}`], "the portal's uiDomain is read once per connection");

  control.clearRequests();
  const eu = await readDerived(deps, { ...base, connectionId: 'another', object: 'contacts', recordId: '7', uiDomain: 'app-eu1.hubspot.com' }, ['@record.url']);
  t.same(eu, { '@record.url': `https://app-eu1.hubspot.com/contacts/${env.hubId}/record/0-1/7` }, 'an EU portal\'s host, as given');
  t.same(calls(env), [], 'a given uiDomain costs no call');
});

t.test('deal values: open deals counted and summed for one associations read and one batch read', async (t) => {
  const env = await setup(t);
  await env.storeOAuth();
  const hubspot = env.client();
  const control = env.sim.sim.control;
  const contactId = control.seedRecord({ objectType: 'contacts', properties: { email: 'ana@acme.test' } });
  const companyId = control.seedRecord({ objectType: 'companies', properties: { name: 'Acme' } });
  control.seedDeal({ properties: { dealname: 'A', dealstage: 'qualifiedtobuy', amount: '1000.10' }, contactIds: [contactId], companyIds: [companyId] });
  control.seedDeal({ properties: { dealname: 'B', dealstage: 'contractsent', amount: '0.2' }, contactIds: [contactId] });
  control.seedDeal({ properties: { dealname: 'C', dealstage: 'appointmentscheduled' }, contactIds: [contactId] });
  control.seedDeal({ properties: { dealname: 'Won', dealstage: 'closedwon', amount: '5000' }, contactIds: [contactId], companyIds: [companyId] });
  control.seedDeal({ properties: { dealname: 'Lost', dealstage: 'closedlost', amount: '700' }, contactIds: [contactId] });
  const deps = { cache: createDerivedCache(), now: clock().now };
  const input = (object: 'contacts' | 'companies', recordId: string): DerivedInput =>
    ({ connectionId: env.connectionId, hubspot, portalId: env.hubId, object, recordId, properties: { hubspot_owner_id: '41628001' } });

  control.clearRequests();
  const values = await readDerived(deps, input('contacts', contactId), ['@deals.open_count', '@deals.open_amount']);
  t.same(values, { '@deals.open_count': 3, '@deals.open_amount': 1000.3 }, 'closed won and lost left out; no amount counts 0; no float noise');
  t.same(calls(env), [`POST ${CONTACT_DEALS}`, `POST ${DEALS_READ}`], 'one associations read, one batch read of the deals; no owner or account call');

  control.clearRequests();
  t.same(await readDerived(deps, input('companies', companyId), ['@deals.open_amount']), { '@deals.open_amount': 1000.1 }, "a company's deals");
  t.same(calls(env), ['POST /crm/associations/2026-09/companies/deals/batch/read', `POST ${DEALS_READ}`]);

  const lonely = control.seedRecord({ objectType: 'contacts', properties: { email: 'solo@acme.test' } });
  control.clearRequests();
  t.same(await readDerived(deps, input('contacts', lonely), ['@deals.open_count', '@deals.open_amount']), { '@deals.open_count': 0, '@deals.open_amount': 0 });
  t.same(calls(env), [`POST ${CONTACT_DEALS}`], 'no deals: no batch read');

  control.clearRequests();
  t.same(await readDerived(deps, input('contacts', contactId), ['lifecyclestage']), {}, 'a name that is no derived value is left out');
  await readDerived(deps, { ...input('contacts', contactId), uiDomain: 'app.hubspot.com' }, ['@record.url']);
  t.same(calls(env), [], 'no deals read unless a deals value is asked');
});

t.test(`at most ${MAX_DEALS_READ} deals are read`, async (t) => {
  const env = await setup(t);
  await env.storeOAuth();
  const hubspot = env.client();
  const control = env.sim.sim.control;
  const contactId = control.seedRecord({ objectType: 'contacts', properties: { email: 'busy@acme.test' } });
  for (let i = 0; i < MAX_DEALS_READ + 5; i++) control.seedDeal({ properties: { dealname: `D${i}`, dealstage: 'qualifiedtobuy', amount: '1' }, contactIds: [contactId] });
  control.clearRequests();
  const values = await readDerived({ cache: createDerivedCache(), now: clock().now },
    { connectionId: env.connectionId, hubspot, portalId: env.hubId, object: 'contacts', recordId: contactId, properties: {} }, ['@deals.open_count']);
  t.same(values, { '@deals.open_count': MAX_DEALS_READ });
  t.same(calls(env), [`POST ${CONTACT_DEALS}`, `POST ${DEALS_READ}`], 'still one read of each');
});

t.test('a connection without the deals scope: the error names it', async (t) => {
  const env = await setup(t, { auth: 'static' });
  await env.storeStatic({ scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.owners.read'] });
  const hubspot = env.client();
  const control = env.sim.sim.control;
  const contactId = control.seedRecord({ objectType: 'contacts', properties: { email: 'ana@acme.test' } });
  control.seedDeal({ properties: { dealname: 'A', dealstage: 'qualifiedtobuy' }, contactIds: [contactId] });
  const deps = { cache: createDerivedCache(), now: clock().now };
  const input: DerivedInput = { connectionId: env.connectionId, hubspot, portalId: env.hubId, object: 'contacts', recordId: contactId, properties: {} };

  const failed = await readDerived(deps, input, ['@deals.open_count']).then(() => undefined, (error: unknown) => error);
  t.ok(failed instanceof MissingHubSpotScopeError, 'a MissingHubSpotScopeError');
  if (failed instanceof MissingHubSpotScopeError) {
    t.equal(failed.scope, 'crm.objects.deals.read');
    t.match(failed.message, /^Reading deals from HubSpot needs the scope crm\.objects\.deals\.read/);
    t.equal(failed.kind, 'forbidden', 'still the forbidden kind, so a job fails for good');
  }
  t.same(await readDerived(deps, input, ['@owner.name']), { '@owner.name': null }, 'values without the deals scope still read');
});

t.test("deriveValues: the record sync's shape, one cache across calls", async (t) => {
  const env = await setup(t);
  await env.storeOAuth();
  const hubspot = env.client();
  const control = env.sim.sim.control;
  const owner = [...env.sim.sim.state.portals.get(Number(env.hubId))!.owners.values()][0]!;
  const contactId = control.seedRecord({ objectType: 'contacts', properties: { email: 'ana@acme.test', hubspot_owner_id: owner.id } });
  const record = await hubspot.contacts.get(contactId, { properties: ['hubspot_owner_id'] });
  const derive = deriveValues(() => 0);
  const row = { id: env.connectionId, hubspotPortalId: Number(env.hubId) };

  control.clearRequests();
  t.same(await derive({ row, hubspot, object: 'contacts', record, names: ['@owner.email', '@record.url'] }), {
    '@owner.email': owner.email, '@record.url': `https://app.hubspot.com/contacts/${env.hubId}/record/0-1/${contactId}`,
  });
  const first = calls(env).length;
  await derive({ row, hubspot, object: 'contacts', record, names: ['@owner.email', '@record.url'] });
  t.equal(calls(env).length, first, 'the second record costs no call');
  t.same(await derive({ row: { ...row, hubspotPortalId: null }, hubspot, object: 'contacts', record, names: ['@record.url'] }), { '@record.url': null },
    'no portal yet: no URL');
});
