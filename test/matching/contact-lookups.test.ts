// The matching plan: which HubSpot searches, in which order, and whether a miss may create.
import t from 'tap';
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import type { CompanyMatchingSettings, ContactMatchingSettings } from '../../src/config/connection-settings.ts';
import {
  companyLookups,
  companyProperties,
  contactCreatePolicy,
  contactLookups,
  contactProperties,
} from '../../src/matching/contact-lookups.ts';
import type { IntercomContactLike } from '../../src/matching/contact-lookups.ts';
import { normaliseEmail } from '../../src/matching/email.ts';

function contactSettings(contacts: Record<string, unknown> = {}): ContactMatchingSettings {
  return ConnectionSettings.parse({ matching: { contacts } }).matching.contacts;
}
function companySettings(companies: Record<string, unknown> = {}): CompanyMatchingSettings {
  return ConnectionSettings.parse({ matching: { companies } }).matching.companies;
}

const ALL_ON = [
  { type: 'email' },
  { type: 'phone', defaultCountry: 'DE' },
  { type: 'external_id', pairs: [{ intercom: 'external_id', hubspot: 'intercom_external_id' }, { intercom: 'custom_attributes.crm_id', hubspot: 'crm_id' }] },
];

const ana: IntercomContactLike = {
  id: 'ic_1', role: 'user', email: 'Ana+x@Acme.test', phone: '030 1234567', external_id: 'u_42',
  custom_attributes: { crm_id: 991, plan: 'pro' }, name: 'Ana María López',
};

t.test('defaults: email only, IN over the spellings', async (t) => {
  const lookups = contactLookups(ana, contactSettings());
  t.same(lookups, [{
    strategy: 'email',
    filterGroups: [{ filters: [{ propertyName: 'email', operator: 'IN', values: ['ana+x@acme.test', 'ana@acme.test'] }] }],
    mayCreate: true,
    describe: 'email ana+x@acme.test (2 spellings)',
  }]);
});

t.test('every strategy on, in settings order, with its HubSpot filter shape', async (t) => {
  const lookups = contactLookups(ana, contactSettings({ strategies: ALL_ON }));
  t.same(lookups.map((l) => l.strategy), ['email', 'phone', 'external_id', 'external_id']);
  t.same(lookups[1]?.filterGroups, [
    { filters: [{ propertyName: 'phone', operator: 'EQ', value: '+49301234567' }] },
    { filters: [{ propertyName: 'mobilephone', operator: 'EQ', value: '+49301234567' }] },
  ]);
  t.same(lookups[2]?.filterGroups, [{ filters: [{ propertyName: 'intercom_external_id', operator: 'EQ', value: 'u_42' }] }]);
  t.same(lookups[3]?.filterGroups, [{ filters: [{ propertyName: 'crm_id', operator: 'EQ', value: '991' }] }], 'a numeric custom attribute');
  t.ok(lookups.every((l) => l.describe.length > 0));

  const reordered = contactLookups(ana, contactSettings({ strategies: [ALL_ON[2], ALL_ON[0], ALL_ON[1]] }));
  t.same(reordered.map((l) => l.strategy), ['external_id', 'external_id', 'email', 'phone'], 'order follows the settings');
});

t.test('disabled strategies and missing values are skipped', async (t) => {
  const strategies = ALL_ON.map((s) => ({ ...s, enabled: s.type !== 'email' }));
  t.same(contactLookups(ana, contactSettings({ strategies })).map((l) => l.strategy), ['phone', 'external_id', 'external_id']);
  const bare: IntercomContactLike = { id: 'ic_2', role: 'user', email: null, phone: 'n/a', custom_attributes: { crm_id: '' } };
  t.same(contactLookups(bare, contactSettings({ strategies: ALL_ON })), []);
  const noCountry = contactSettings({ strategies: [{ type: 'phone' }] });
  t.same(contactLookups(ana, noCountry), [], 'a national number without a default country');
  t.same(contactLookups({ ...ana, phone: '+49 30 1234567' }, noCountry).map((l) => l.describe), ['phone +49301234567']);
});

t.test('email rules from the settings shape the search values', async (t) => {
  const off = contactSettings({ email: { stripPlusTag: false, ignoreGmailDots: false } });
  t.same(contactLookups(ana, off)[0]?.filterGroups[0]?.filters[0]?.values, ['ana+x@acme.test']);
  const gmail = { ...ana, email: 'a.na@googlemail.com' };
  t.same(contactLookups(gmail, contactSettings())[0]?.filterGroups[0]?.filters[0]?.values,
    ['a.na@googlemail.com', 'ana@gmail.com', 'ana@googlemail.com', 'a.na@gmail.com']);
});

t.test('role and disposable policies: ignore drops the email search, match_no_create keeps it without create', async (t) => {
  const support = { ...ana, email: 'support@acme.test' };
  const temp = { ...ana, email: 'ana@mailinator.com' };
  const defaults = contactSettings({ strategies: ALL_ON });
  t.same(contactLookups(support, defaults).map((l) => [l.strategy, l.mayCreate]), [['email', false], ['phone', true], ['external_id', true], ['external_id', true]]);
  t.same(contactLookups(temp, defaults).map((l) => l.strategy), ['phone', 'external_id', 'external_id'], 'disposable: ignore by default');
  const lenient = contactSettings({ email: { roleAddresses: 'match', disposableDomains: 'match' } });
  t.same(contactLookups(support, lenient).map((l) => l.mayCreate), [true]);
  t.same(contactLookups(temp, lenient).map((l) => l.mayCreate), [true]);
  t.same(contactLookups(support, contactSettings({ email: { roleAddresses: 'ignore' } })), []);
});

t.test('leads without email follow leadsWithoutEmail', async (t) => {
  const lead: IntercomContactLike = { id: 'ic_3', role: 'lead', email: null, phone: '+49 30 1234567', name: 'Bo' };
  const withPhone = { strategies: ALL_ON };
  t.same(contactLookups(lead, contactSettings({ ...withPhone, leadsWithoutEmail: 'skip' })), []);
  t.same(contactLookups(lead, contactSettings({ ...withPhone, leadsWithoutEmail: 'match_only' })).map((l) => l.strategy), ['phone']);
  t.same(contactLookups(lead, contactSettings({ ...withPhone, leadsWithoutEmail: 'create' })).map((l) => l.strategy), ['phone']);
  t.same(contactLookups({ ...lead, email: 'not-an-email' }, contactSettings({ ...withPhone, leadsWithoutEmail: 'skip' })), [], 'an invalid email is no email');

  t.same(contactCreatePolicy(lead, contactSettings({ leadsWithoutEmail: 'create' })), { create: true });
  t.same(contactCreatePolicy(lead, contactSettings({ leadsWithoutEmail: 'match_only' })), { create: false, reason: "a lead without email and leadsWithoutEmail is 'match_only'" });
  t.same(contactCreatePolicy(lead, contactSettings({ leadsWithoutEmail: 'skip' })), { create: false, reason: "a lead without email and leadsWithoutEmail is 'skip'" });
  t.same(contactCreatePolicy({ id: 'ic_4', role: 'lead' }, contactSettings({ leadsWithoutEmail: 'create' })),
    { create: false, reason: 'a lead without email, name or phone has nothing to create a contact from' });
});

t.test('create policy: onNoMatch, the policy that forbids it, users without email', async (t) => {
  t.same(contactCreatePolicy(ana, contactSettings()), { create: true });
  t.same(contactCreatePolicy(ana, contactSettings({ onNoMatch: 'skip' })), { create: false, reason: "no match and onNoMatch is 'skip'" });
  t.same(contactCreatePolicy({ ...ana, email: 'billing@acme.test' }, contactSettings()),
    { create: false, reason: "billing@acme.test is a role address and roleAddresses is 'match_no_create'" });
  t.same(contactCreatePolicy({ ...ana, email: 'ana@mailinator.com' }, contactSettings()),
    { create: false, reason: "ana@mailinator.com is at a disposable-mail domain and disposableDomains is 'ignore'" });
  t.same(contactCreatePolicy({ ...ana, email: 'info@mailinator.com' }, contactSettings({ email: { roleAddresses: 'ignore', disposableDomains: 'ignore' } })),
    { create: false, reason: "info@mailinator.com is a role address and roleAddresses is 'ignore', and at a disposable-mail domain and disposableDomains is 'ignore'" });
  t.same(contactCreatePolicy({ ...ana, email: 'billing@acme.test' }, contactSettings({ email: { roleAddresses: 'match' } })), { create: true });
  t.same(contactCreatePolicy({ ...ana, email: null }, contactSettings()), { create: false, reason: 'a user without email is never created' });
  t.same(contactCreatePolicy({ ...ana, email: 'nope' }, contactSettings()), { create: false, reason: 'a user without email is never created (nope is not an email address)' });
});

t.test('contact properties for a create', async (t) => {
  t.same(contactProperties(ana, 'DE'), { email: 'ana+x@acme.test', firstname: 'Ana', lastname: 'María López', phone: '+49301234567' });
  t.same(contactProperties(ana), { email: 'ana+x@acme.test', firstname: 'Ana', lastname: 'María López', phone: '030 1234567' }, 'raw phone when not placeable');
  t.same(contactProperties({ id: 'x', role: 'lead', name: '  Cher ', email: 'broken@' }), { firstname: 'Cher' });
  t.same(contactProperties({ id: 'x', role: 'lead' }), {});
});

t.test('company lookups: domain from the website, else from a non-free-mail contact email', async (t) => {
  const rules = { stripPlusTag: true, ignoreGmailDots: true };
  const work = normaliseEmail('ana@eu.acme.com', rules);
  const free = normaliseEmail('ana@gmail.com', rules);
  const defaults = companySettings();
  const company = { id: '6501', company_id: 'acme-1', name: 'Acme GmbH', website: 'https://www.acme.com/de' };

  t.same(companyLookups(company, work, defaults), [{ strategy: 'domain', filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'EQ', value: 'acme.com' }] }], mayCreate: true, describe: 'domain acme.com' }]);
  t.same(companyLookups({ ...company, website: null }, work, defaults).map((l) => l.describe), ['domain eu.acme.com']);
  t.same(companyLookups({ ...company, website: 'localhost' }, work, defaults).map((l) => l.describe), ['domain eu.acme.com'], 'an unusable website');
  t.same(companyLookups({ ...company, website: null }, free, defaults), [], 'free-mail never names a company');
  t.same(companyLookups({ ...company, website: null }, null, defaults), []);
});

t.test('company lookups: every strategy, in settings order, disabled ones skipped', async (t) => {
  const company = { id: '6501', company_id: 'acme-1', name: '  Acme GmbH ', website: 'acme.com' };
  const strategies = [{ type: 'id_property', property: 'ic_company' }, { type: 'name' }, { type: 'domain' }];
  const lookups = companyLookups(company, null, companySettings({ strategies }));
  t.same(lookups.map((l) => l.filterGroups[0]?.filters[0]), [
    { propertyName: 'ic_company', operator: 'EQ', value: 'acme-1' },
    { propertyName: 'name', operator: 'EQ', value: 'Acme GmbH' },
    { propertyName: 'domain', operator: 'EQ', value: 'acme.com' },
  ]);
  t.same(companyLookups({ ...company, company_id: null }, null, companySettings({ strategies }))[0]?.filterGroups[0]?.filters[0]?.value, '6501', 'Intercom id without company_id');
  t.same(companyLookups({ id: '1', name: ' ' }, null, companySettings({ strategies: [{ type: 'name' }] })), []);
  t.same(companyLookups(company, null, companySettings({ strategies: strategies.map((s) => ({ ...s, enabled: s.type === 'name' })) })).map((l) => l.strategy), ['name']);
});

t.test('company properties for a create', async (t) => {
  t.same(companyProperties({ id: '1', name: ' Acme GmbH ', website: 'https://www.acme.com/de' }, 'acme.com'), { name: 'Acme GmbH', domain: 'acme.com', website: 'https://www.acme.com/de' });
  t.same(companyProperties({ id: '1' }, null), {});
});
