// Privacy of record sync (#17 item 10), end to end: after contacts and companies synced both ways
// with distinctive values, none of those values is in any row of the store, any file of the data
// directory (on SQLite, the database and its -wal) nor in the daemon's log; the activity entries name fields, not values; and
// the dry run, answered live, does carry them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { captureLogs } from '../helpers/log-capture.ts';
import { allRowsText } from '../helpers/rows.ts';
import { ACTIVE, hubspotRecord, intercomCompany, intercomContact, pairedCompany, pairedContact, settled, syncScenario } from '../helpers/record-sync-scenario.ts';
import { until } from '../helpers/until.ts';

const VALUES = {
  name: 'Zebulon Quixotic',
  newLastname: 'Quixotic-Farnsworth',
  email: 'zebulon.quixotic@privacy-test.example',
  phone: '+4917612349876',
  newPhone: '+4917699990123',
  note: 'ZEBRA-PRIVATE-4711',
  /** Changed in HubSpot with its webhook lost: only the dry run reads it. */
  dryRunNote: 'ZEBRA-DRYRUN-0815',
  company: 'Xylophonic Widgets Ltd',
  newCompany: 'Xylophonic Widgets Holding',
  website: 'https://www.xylophonic-widgets.example',
  domain: 'xylophonic-widgets.example',
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

t.test('values synced both ways are in no data file and no log line; activity names fields only; the dry run shows them live', async (t) => {
  const logs = captureLogs();
  const s = await syncScenario(t, { contacts: true, companies: true }, { logDestination: logs, logLevel: 'debug' });
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'private_note', model: 'contact', dataType: 'string' });
  await s.setSettings((settings) => {
    settings['recordSync'].contacts.mappings.push({ intercom: 'custom.private_note', hubspot: 'private_note', direction: 'both', onConflict: 'newest_wins', create: true });
  });

  // Intercom → HubSpot: a new contact, then its custom text; a new company.
  const contact = await pairedContact(s, { email: VALUES.email, name: VALUES.name, phone: VALUES.phone });
  s.intercom.control.contacts.update(contact.intercomId, { customAttributes: { private_note: VALUES.note } });
  const company = await pairedCompany(s, { name: VALUES.company, website: VALUES.website, size: 12 });
  await until('the custom text in HubSpot', () => hubspotRecord(s, 'contacts', contact.hubspotId)?.properties['private_note'] === VALUES.note, ACTIVE);
  t.equal(hubspotRecord(s, 'companies', company.hubspotId)?.properties['domain'], VALUES.domain);

  // HubSpot → Intercom: a person changes the phone and the name; Intercom → HubSpot: the company's name.
  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: contact.hubspotId, properties: { phone: VALUES.newPhone, lastname: VALUES.newLastname } });
  s.intercom.control.companies.update(company.intercomId, { name: VALUES.newCompany });
  await until('both changes synced', () =>
    intercomContact(s, contact.intercomId)?.['phone'] === VALUES.newPhone && hubspotRecord(s, 'companies', company.hubspotId)?.properties['name'] === VALUES.newCompany, ACTIVE);
  await settled(s);
  t.equal(intercomCompany(s, company.intercomId)?.['name'], VALUES.newCompany);

  // The dry run answers live values (a person looking), and stores none.
  s.hubspot.control.unsubscribeWebhooks(s.hubId);
  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: contact.hubspotId, properties: { private_note: VALUES.dryRunNote } });
  const dry = await s.api('POST', `/api/connections/${s.connectionId}/records/contacts/hubspot/${contact.hubspotId}/sync`, { dryRun: true });
  t.equal(dry.status, 200);
  const answer = JSON.stringify(dry.body);
  t.ok(answer.includes(VALUES.note) && answer.includes(VALUES.dryRunNote), 'the dry run shows the values it read, old and new');

  const activity = await s.api('GET', `/api/connections/${s.connectionId}/activity`);
  t.equal(activity.status, 200);
  const entries = JSON.stringify(activity.body);
  t.match(entries, /private_note/, 'the activity names the field');

  // On SQLite the database is a file of the data directory, searched byte by byte (freed pages too);
  // on either store every row of every table is searched as well.
  const db = s.server.daemon.db;
  if (db.dialect === 'sqlite') db.sqlite.pragma('wal_checkpoint(PASSIVE)');
  const files = filesUnder(s.server.dataDir);
  if (db.dialect === 'sqlite') t.ok(files.some((file) => file.endsWith('.db') || file.endsWith('.sqlite')), `the database is among the files searched (${files.map((file) => file.slice(s.server.dataDir.length)).join(', ')})`);
  const rows = await allRowsText(db);
  t.ok(rows.includes('custom.private_note'), 'the rows were read: the mapping that names the field is among them');
  const log = logs.text();
  t.ok(log.length > 0, 'the log was captured');
  for (const [what, value] of Object.entries(VALUES)) {
    const holding = files.filter((file) => readFileSync(file).includes(value));
    t.same(holding, [], `${what} is in no file of the data directory`);
    t.notOk(rows.includes(value), `${what} is in no row of the store`);
    t.notOk(log.includes(value), `${what} is in no log line`);
    t.notOk(entries.includes(value), `${what} is in no activity entry`);
  }
});
