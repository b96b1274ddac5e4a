// Company sync end to end (#17 items 1, 2, 6, 7): an Intercom company is paired with a HubSpot company
// (name, website → domain and website, size → numberofemployees); a change on either side reaches
// the other with exactly one write and none back.
import t from 'tap';
import { ACTIVE, activity, detailOf, hubspotRecord, hubspotWrites, intercomCompany, intercomWrites, INTERCOM_COMPANY_UPDATE, pairedCompany, settled, syncScenario } from '../helpers/record-sync-scenario.ts';
import { until } from '../helpers/until.ts';

t.test('an Intercom company becomes a paired HubSpot company; its name, size and website changes are one HubSpot write and none back', async (t) => {
  const s = await syncScenario(t, { companies: true });
  const pair = await pairedCompany(s, { name: 'Globex', website: 'https://www.globex.test', size: 40 });
  const created = hubspotRecord(s, 'companies', pair.hubspotId)?.properties ?? {};
  t.match(created, { name: 'Globex', domain: 'globex.test', website: 'https://www.globex.test', numberofemployees: '40' });

  s.intercom.control.companies.update(pair.intercomId, { name: 'Globex Corporation', size: 55, website: 'https://globex-corp.test' });
  await until('HubSpot to have the new size', () => hubspotRecord(s, 'companies', pair.hubspotId)?.properties['numberofemployees'] === '55', ACTIVE);
  await settled(s);
  t.match(hubspotRecord(s, 'companies', pair.hubspotId)?.properties, { name: 'Globex Corporation', domain: 'globex-corp.test', website: 'https://globex-corp.test', numberofemployees: '55' });
  t.equal(hubspotWrites(s, 'companies'), 1, 'one write to HubSpot');
  t.equal(intercomWrites(s, INTERCOM_COMPANY_UPDATE), 0, 'nothing written back to Intercom');

  const entries = await activity(s, 'company');
  const last = entries.findLast((entry) => entry.outcome === 'updated');
  t.same(detailOf(last ?? { detail: null }).written?.map((field) => `${field.intercom}>${field.hubspot} ${field.direction}`).sort(), [
    'name>name to_hubspot', 'size>numberofemployees to_hubspot', 'website>domain to_hubspot', 'website>website to_hubspot',
  ]);
  t.equal(detailOf(last ?? { detail: null }).hubspotId, pair.hubspotId);
});

t.test('a company renamed in HubSpot by a person reaches Intercom once, and the echo is not written back', async (t) => {
  const s = await syncScenario(t, { companies: true });
  const pair = await pairedCompany(s, { name: 'Initech', website: 'https://initech.test' });

  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'companies', id: pair.hubspotId, properties: { name: 'Initech Holdings' } });
  await until('Intercom to have the new name', () => intercomCompany(s, pair.intercomId)?.['name'] === 'Initech Holdings', ACTIVE);
  await settled(s);
  t.equal(intercomWrites(s, INTERCOM_COMPANY_UPDATE), 1, 'one write to Intercom');
  t.equal(hubspotWrites(s, 'companies'), 0, 'nothing written back to HubSpot');
  t.equal(hubspotRecord(s, 'companies', pair.hubspotId)?.properties['domain'], 'initech.test', 'the domain (to HubSpot only) stays');
});

t.test('a domain changed in HubSpot does not move the Intercom website (website → domain goes to HubSpot only)', async (t) => {
  const s = await syncScenario(t, { companies: true });
  const pair = await pairedCompany(s, { name: 'Umbrella', website: 'https://umbrella.test' });

  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'companies', id: pair.hubspotId, properties: { domain: 'umbrella-corp.test', name: 'Umbrella Corp' } });
  await until('Intercom to have the new name', () => intercomCompany(s, pair.intercomId)?.['name'] === 'Umbrella Corp', ACTIVE);
  await settled(s);
  t.equal(intercomCompany(s, pair.intercomId)?.['website'], 'https://umbrella.test');
  t.equal(hubspotWrites(s, 'companies'), 0, 'HubSpot\'s domain is not overwritten either: only a change in Intercom is a source');
});
