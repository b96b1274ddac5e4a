// A pair's first sync (#17 items 2 and 7), end to end: no baselines yet, so each field decides from
// the two records alone. A side that holds no value must not beat the side that holds one — the
// value fills the empty side, whatever the record update times say.
import t from 'tap';
import { ACTIVE, activity, detailOf, hubspotRecord, intercomContact, pairOf, settled, syncScenario } from '../helpers/record-sync-scenario.ts';
import { until } from '../helpers/until.ts';

t.test('a new Intercom contact\'s custom attribute (both, newest_wins) reaches the HubSpot contact created for it, and is not cleared', async (t) => {
  const s = await syncScenario(t);
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'plan_note', model: 'contact', dataType: 'string' });
  await s.setSettings((settings) => {
    settings['recordSync'].contacts.mappings.push({ intercom: 'custom.plan_note', hubspot: 'plan_note', direction: 'both', onConflict: 'newest_wins', create: true });
  });
  const contact = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'first.sync@acme.test', name: 'Fir Sync', customAttributes: { plan_note: 'annual' } });
  const intercomId = String(contact.id);
  const pair = await until('the contact to be paired', () => pairOf(s, intercomId), ACTIVE);
  await settled(s);

  const custom = (intercomContact(s, intercomId)?.['custom_attributes'] ?? {}) as Record<string, unknown>;
  t.equal(custom['plan_note'], 'annual', 'Intercom keeps its value');
  t.equal(hubspotRecord(s, 'contacts', pair.hubspot_id)?.properties['plan_note'], 'annual', 'HubSpot gets it');
  const written = (await activity(s, 'contact')).flatMap((entry) => detailOf(entry).written ?? []).filter((field) => field.intercom === 'custom.plan_note');
  t.same(written.map((field) => field.direction), ['to_hubspot'], 'the activity says it went to HubSpot');
});
