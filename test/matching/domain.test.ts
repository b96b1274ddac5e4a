// Company domains from websites and email addresses, and company names for comparison.
import t from 'tap';
import { COMPANY_LEGAL_SUFFIXES, companyDomain, emailDomainCompany, normaliseCompanyName } from '../../src/matching/domain.ts';
import { normaliseEmail } from '../../src/matching/email.ts';

t.test('a website reduces to its host: scheme, www., port, path, query, fragment, trailing dot go', async (t) => {
  const cases: Array<[string, string]> = [
    ['acme.com', 'acme.com'],
    ['ACME.com', 'acme.com'],
    ['https://www.acme.com', 'acme.com'],
    ['http://www.Acme.com:8443/pricing?x=1#top', 'acme.com'],
    ['www.acme.com/about/', 'acme.com'],
    ['acme.com:8080', 'acme.com'],
    ['HTTPS://WWW.ACME.CO.UK', 'acme.co.uk'],
    ['acme.com.', 'acme.com'],
    ['https://app.acme.com/login', 'app.acme.com'],
    ['  https://acme.com  ', 'acme.com'],
  ];
  for (const [input, expected] of cases) t.equal(companyDomain(input), expected, input);
});

t.test('IDN domains become ASCII (punycode)', async (t) => {
  t.equal(companyDomain('bücher.de'), 'xn--bcher-kva.de');
  t.equal(companyDomain('https://www.Bücher.de/shop'), 'xn--bcher-kva.de');
  t.equal(companyDomain('xn--bcher-kva.de'), 'xn--bcher-kva.de');
});

t.test('not a company domain: null', async (t) => {
  for (const input of ['', 'intranet', 'localhost', 'http://localhost:3000', 'foo.localhost', '127.0.0.1', 'http://10.0.0.1:80/x',
    '[::1]', 'http://[2001:db8::1]/', 'http://0x7f.1', '123.456', 'www.com', 'acme .com', 'ftp://acme.com', 'mailto:ana@acme.com',
    'https://user:pw@acme.com', 'https://', 'acme..com', '-acme.com']) {
    t.equal(companyDomain(input), null, JSON.stringify(input));
  }
});

t.test('an email domain is a company domain unless free-mail or disposable', async (t) => {
  const rules = { stripPlusTag: true, ignoreGmailDots: true };
  const of = (raw: string) => {
    const email = normaliseEmail(raw, rules);
    if (email === null) throw new Error(raw);
    return emailDomainCompany(email);
  };
  t.equal(of('ana@acme.com'), 'acme.com');
  t.equal(of('ana@eu.acme.com'), 'eu.acme.com');
  t.equal(of('ana@bücher.de'), 'xn--bcher-kva.de');
  t.equal(of('ana@gmail.com'), null);
  t.equal(of('ana@yahoo.co.uk'), null);
  t.equal(of('ana@mailinator.com'), null);
});

t.test('company names: case, spaces and trailing legal forms', async (t) => {
  const cases: Array<[string, string]> = [
    ['  ACME   Widgets ', 'acme widgets'],
    ['Acme, Inc.', 'acme'],
    ['Acme Inc', 'acme'],
    ['Acme LLC', 'acme'],
    ['Acme Ltd.', 'acme'],
    ['Acme GmbH', 'acme'],
    ['Acme AG', 'acme'],
    ['Acme SA', 'acme'],
    ['Acme S.A.', 'acme'],
    ['Acme B.V.', 'acme'],
    ['Acme SAS', 'acme'],
    ['Acme Corp.', 'acme'],
    ['Acme Co', 'acme'],
    ['Acme GmbH & Co. KG', 'acme'],
    ['Acme Co., Ltd.', 'acme'],
    ['Coca Cola', 'coca cola'],
    ['Agile Partners', 'agile partners'],
    ['Inc', 'inc'],
    ['Co.', 'co.'],
  ];
  for (const [input, expected] of cases) t.equal(normaliseCompanyName(input), expected, input);
  t.ok(['inc', 'llc', 'ltd', 'gmbh', 'ag', 'sa', 'bv', 'sas', 'corp', 'co'].every((s) => COMPANY_LEGAL_SUFFIXES.includes(s)));
});
