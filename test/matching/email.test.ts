// Email normalisation rules one by one, switched on and off, and the HubSpot search forms they yield.
import t from 'tap';
import {
  FREE_MAIL_EXTRA,
  ROLE_LOCAL_PARTS,
  addressPolicyFor,
  emailSearchValues,
  isDisposableDomain,
  isFreeMailDomain,
  normaliseEmail,
  sameEmailKey,
} from '../../src/matching/email.ts';
import type { NormalisedEmail } from '../../src/matching/email.ts';

const ON = { stripPlusTag: true, ignoreGmailDots: true };
const OFF = { stripPlusTag: false, ignoreGmailDots: false };
const PLUS_ONLY = { stripPlusTag: true, ignoreGmailDots: false };
const DOTS_ONLY = { stripPlusTag: false, ignoreGmailDots: true };

function must(raw: string, rules = ON): NormalisedEmail {
  const email = normaliseEmail(raw, rules);
  if (email === null) throw new Error(`${raw} should be an email`);
  return email;
}

t.test('trims and lower-cases; the address keeps everything else', async (t) => {
  const email = must('  Ana+Billing@ACME.test ');
  t.equal(email.address, 'ana+billing@acme.test');
  t.equal(email.key, 'ana@acme.test');
  t.equal(email.domain, 'acme.test');
  t.same([email.isRole, email.isDisposable, email.isFreeMail], [false, false, false]);
});

t.test('+tag stripping on and off', async (t) => {
  t.equal(must('ana+x@acme.test', PLUS_ONLY).key, 'ana@acme.test');
  t.equal(must('ana+x+y@acme.test', PLUS_ONLY).key, 'ana@acme.test', 'everything after the first +');
  t.equal(must('ana+x@acme.test', OFF).key, 'ana+x@acme.test');
  t.equal(must('+x@acme.test', PLUS_ONLY).key, '+x@acme.test', 'no base to fall back on');
  t.ok(sameEmailKey('ana+x@acme.test', 'ANA@acme.test', PLUS_ONLY));
  t.notOk(sameEmailKey('ana+x@acme.test', 'ana@acme.test', OFF));
});

t.test('Gmail dots on and off; googlemail.com folds into gmail.com only with the rule', async (t) => {
  t.equal(must('a.n.a@gmail.com', DOTS_ONLY).key, 'ana@gmail.com');
  t.equal(must('a.na@googlemail.com', DOTS_ONLY).key, 'ana@gmail.com');
  t.equal(must('a.na@googlemail.com', OFF).key, 'a.na@googlemail.com');
  t.equal(must('a.na@gmail.com', OFF).key, 'a.na@gmail.com');
  t.equal(must('a.na@acme.test', DOTS_ONLY).key, 'a.na@acme.test', 'other domains keep their dots');
  t.equal(must('a.na+x@gmail.com', DOTS_ONLY).key, 'ana+x@gmail.com', 'the tag stays without stripPlusTag');
  t.equal(must('a.na+x@googlemail.com', ON).key, 'ana@gmail.com');
  t.ok(sameEmailKey('ana@gmail.com', 'A.N.A@googlemail.com', DOTS_ONLY));
  t.notOk(sameEmailKey('ana@gmail.com', 'a.na@gmail.com', OFF));
  t.notOk(sameEmailKey('ana@gmail.com', 'not an email', ON), 'an invalid side never matches');
});

t.test('not an email: null', async (t) => {
  for (const raw of ['', '   ', 'ana', 'ana@', '@acme.test', 'ana@acme', 'a@@acme.test', 'a@b@acme.test', 'ana @acme.test',
    'a..b@acme.test', '.a@acme.test', 'a.@acme.test', 'ana@1.2.3.4', 'ana@-acme.test', 'ana@acme_corp.test',
    '"a b"@acme.test', `${'x'.repeat(65)}@acme.test`, 'Ana <ana@acme.test>']) {
    t.equal(normaliseEmail(raw, ON), null, JSON.stringify(raw));
  }
});

t.test('an IDN domain: the address as given, domain and key in ASCII', async (t) => {
  const email = must('Ana@Bücher.de');
  t.equal(email.address, 'ana@bücher.de');
  t.equal(email.domain, 'xn--bcher-kva.de');
  t.equal(email.key, 'ana@xn--bcher-kva.de');
  t.ok(sameEmailKey('ana@bücher.de', 'ana@xn--bcher-kva.de', OFF));
  t.same(emailSearchValues(email), ['ana@bücher.de', 'ana@xn--bcher-kva.de']);
});

t.test('role addresses, with or without a tag, in one exported list', async (t) => {
  for (const local of ['support', 'info', 'billing', 'sales', 'noreply', 'no-reply', 'postmaster', 'abuse']) {
    t.ok(ROLE_LOCAL_PARTS.includes(local));
    t.ok(must(`${local}@acme.test`).isRole, local);
  }
  t.ok(must('Support+EU@acme.test', OFF).isRole, 'the tag does not hide the role, whatever the rules');
  t.notOk(must('ana@acme.test').isRole);
  t.notOk(must('supporter@acme.test').isRole, 'whole local part only');
});

t.test('disposable domains from the package, including wildcard subdomains', async (t) => {
  t.ok(must('x@mailinator.com').isDisposable);
  t.ok(must('x@guerrillamail.com').isDisposable);
  t.ok(isDisposableDomain('yopmail.com'));
  t.ok(isDisposableDomain('anything.33mail.com'), 'wildcard list');
  t.notOk(must('ana@acme.test').isDisposable);
  t.notOk(must('ana@gmail.com').isDisposable);
});

t.test('free-mail domains: the package list, the extras, and brands under country endings', async (t) => {
  for (const domain of ['gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.com.br', 'outlook.com', 'hotmail.com',
    'hotmail.fr', 'icloud.com', 'gmx.de', 'gmx.net', 'gmx.ch', 'web.de', 'proton.me', 'protonmail.com', 'aol.com', 'yandex.ru',
    'yandex.com', 'mail.ru', 'qq.com', '163.com']) {
    t.ok(isFreeMailDomain(domain), domain);
  }
  for (const domain of FREE_MAIL_EXTRA) t.ok(isFreeMailDomain(domain), domain);
  for (const domain of ['acme.test', 'acme.com', 'yahoo-partner.com', 'gmx.acme.com', 'hotmail.example.org']) t.notOk(isFreeMailDomain(domain), domain);
  t.ok(must('ana@gmail.com').isFreeMail);
});

t.test('address policy: role and disposable settings, the stricter wins', async (t) => {
  const plain = must('ana@acme.test');
  const role = must('support@acme.test');
  const disposable = must('ana@mailinator.com');
  const both = must('info@mailinator.com');
  t.equal(addressPolicyFor(plain, { roleAddresses: 'ignore', disposableDomains: 'ignore' }), 'match');
  t.equal(addressPolicyFor(role, { roleAddresses: 'match_no_create', disposableDomains: 'ignore' }), 'match_no_create');
  t.equal(addressPolicyFor(role, { roleAddresses: 'match', disposableDomains: 'ignore' }), 'match');
  t.equal(addressPolicyFor(disposable, { roleAddresses: 'match', disposableDomains: 'ignore' }), 'ignore');
  t.equal(addressPolicyFor(disposable, { roleAddresses: 'ignore', disposableDomains: 'match_no_create' }), 'match_no_create');
  t.equal(addressPolicyFor(both, { roleAddresses: 'match_no_create', disposableDomains: 'match' }), 'match_no_create');
  t.equal(addressPolicyFor(both, { roleAddresses: 'match_no_create', disposableDomains: 'ignore' }), 'ignore');
  t.equal(addressPolicyFor(both, { roleAddresses: 'ignore', disposableDomains: 'match_no_create' }), 'ignore');
});

t.test('search values: the given address first, then the forms the rules equate, at most 5', async (t) => {
  t.same(emailSearchValues(must('ana+x@acme.test', PLUS_ONLY)), ['ana+x@acme.test', 'ana@acme.test']);
  t.same(emailSearchValues(must('ana+x@acme.test', OFF)), ['ana+x@acme.test']);
  t.same(emailSearchValues(must('ana@acme.test')), ['ana@acme.test']);
  t.same(emailSearchValues(must('a.na@gmail.com', DOTS_ONLY)), ['a.na@gmail.com', 'ana@gmail.com', 'a.na@googlemail.com', 'ana@googlemail.com']);
  t.same(emailSearchValues(must('a.na@gmail.com', OFF)), ['a.na@gmail.com']);
  t.same(emailSearchValues(must('ana@googlemail.com', DOTS_ONLY)), ['ana@googlemail.com', 'ana@gmail.com']);
  const all = emailSearchValues(must('A.Na+x@googlemail.com', ON));
  t.same(all, ['a.na+x@googlemail.com', 'ana@gmail.com', 'a.na@googlemail.com', 'ana@googlemail.com', 'a.na@gmail.com']);
  t.ok(all.every((value) => value === value.toLowerCase()), 'IN wants lower-case values');
});
