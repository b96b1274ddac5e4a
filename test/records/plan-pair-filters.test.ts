// A pair's plan with a direction the record filters close (#18 item 2; plan-pair.ts `blocked`):
// nothing is written that way, the stopped fields say 'filtered', and they keep their baselines so
// the change is still made once the record passes; the other direction is written as before.
import t from 'tap';
import type { AccountFields } from '../../src/records/check-mapping-types.ts';
import type { FieldMapping } from '../../src/records/field-mapping.ts';
import type { IntercomContact } from '../../src/integrations/intercom/schemas.ts';
import type { CrmObject } from '../../src/integrations/hubspot/schemas.ts';
import { planPair, type PairInput } from '../../src/records/plan-pair.ts';
import { blockedDirections } from '../../src/records/record-filters.ts';

const mappings: FieldMapping[] = [
  { intercom: 'email', hubspot: 'email', direction: 'to_hubspot', create: false },
  { intercom: 'phone', hubspot: 'phone', direction: 'both', onConflict: 'newest_wins', create: false },
];
const fields: AccountFields = {
  intercomCustom: new Map(),
  hubspot: new Map([['email', { vendor: 'hubspot', type: 'string' }], ['phone', { vendor: 'hubspot', type: 'string' }]]),
};
// A first sync: Intercom has the email, HubSpot the phone; each fills the other side.
const intercom: IntercomContact = { id: 'ic-1', role: 'user', email: 'ana@acme.test', name: null, phone: null, created_at: 1_760_000_000, updated_at: 1_760_000_000 };
const hubspot: CrmObject = { id: 'hs-1', properties: { email: '', phone: '+4930111' }, createdAt: '2025-10-09T08:53:20Z', updatedAt: '2025-10-09T08:53:20Z' };
const input: PairInput = {
  object: 'contacts', mappings, fields, intercom, hubspot, derived: {}, baselines: new Map(),
  hashKey: { installKey: new Uint8Array(32), connectionId: 'c1' }, dryRun: false,
};
const TO_HUBSPOT = { key: 'recordSync.contacts.filters.toHubSpot[0]', reason: 'filtered out by recordSync.contacts.filters.toHubSpot[0] (email ends_with)' };
const TO_INTERCOM = { key: 'recordSync.contacts.filters.toIntercom[0]', reason: 'filtered out by recordSync.contacts.filters.toIntercom[0] (phone is_empty)' };

t.test('without filters both directions are written (the baseline for the comparisons below)', async (t) => {
  const planned = planPair(input);
  t.same(planned.hubspotProperties, { email: 'ana@acme.test' });
  t.same(planned.intercomBody, { phone: '+4930111' });
  t.equal(planned.outcome, 'updated');
  t.notOk(planned.filtered);
});

t.test('to_hubspot closed: Intercom still gets its write; the HubSpot field is reported filtered and left unsettled', async (t) => {
  const planned = planPair({ ...input, blocked: { to_hubspot: TO_HUBSPOT } });
  t.same(planned.hubspotProperties, {}, 'nothing goes to HubSpot');
  t.same(planned.intercomBody, { phone: '+4930111' }, 'the other way is written');
  t.equal(planned.outcome, 'updated');
  t.match(planned.reports, [{ intercom: 'email', action: 'skipped', rule: 'filtered', reason: TO_HUBSPOT.reason }, { intercom: 'phone', action: 'write_intercom' }]);
  t.same([...planned.settled.keys()], ['phone|phone'], 'the stopped field keeps its baseline');
  t.same(planned.filtered, { key: TO_HUBSPOT.key, direction: 'to_hubspot', reason: TO_HUBSPOT.reason });
});

t.test('both closed: nothing is written, the pair is skipped and names the first filter', async (t) => {
  const planned = planPair({ ...input, blocked: { to_hubspot: TO_HUBSPOT, to_intercom: TO_INTERCOM } });
  t.same(planned.hubspotProperties, {});
  t.same(planned.intercomBody, {});
  t.equal(planned.outcome, 'skipped');
  t.equal(planned.settled.size, 0);
  t.equal(planned.filtered?.direction, 'to_hubspot');
});

t.test('a closed direction with nothing to write stops nothing and is not named', async (t) => {
  const planned = planPair({ ...input, hubspot: { ...hubspot, properties: { email: 'ana@acme.test', phone: '' } }, intercom: { ...intercom, phone: null }, blocked: { to_intercom: TO_INTERCOM } });
  t.notOk(planned.filtered);
});

t.test('blockedDirections judges each side by its own list', async (t) => {
  const blocked = blockedDirections({
    object: 'contacts',
    filters: { toHubSpot: [{ field: 'email', operator: 'ends_with', value: '@vip.test' }], toIntercom: [{ field: 'phone', operator: 'is_not_empty' }] },
    intercom, hubspot, fields,
  });
  t.same(blocked, { to_hubspot: { key: 'recordSync.contacts.filters.toHubSpot[0]', reason: 'filtered out by recordSync.contacts.filters.toHubSpot[0] (email ends_with)' } }, 'HubSpot has a phone: to_intercom stays open');
});
