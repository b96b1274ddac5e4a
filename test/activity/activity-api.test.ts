// GET /api/activity and GET /api/activity/export (issue #16 items 3 and 10): every connection's
// entries newest first, each filter, search by conversation id and Intercom URL, paging, 400s that
// name the parameter, CSV and NDJSON files streamed a page at a time, and who may read them.
import t from 'tap';
import { recordActivity, type ActivityEntry } from '../../src/activity/activity-log.ts';
import { sessionApi, signIn, type ApiAnswer, type Teardownable } from '../helpers/server.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

const T0 = Date.UTC(2026, 4, 4, 9, 0, 0);
const HOUR = 3_600_000;

/** Two connections (us and eu workspaces) and five entries, oldest first. */
async function withActivity(t: Teardownable) {
  const server = await buildTestApp(t, { startScheduler: false });
  const db = server.daemon.db.kysely;
  await db
    .insertInto('connections')
    .values([
      { id: 'alpha', name: 'Alpha support', status: 'active', managed_by_config: 0, created_at: 0, updated_at: 0, intercom_workspace_id: 'wsa', intercom_region: 'us', hubspot_portal_id: 111 },
      { id: 'beta', name: 'Beta EU', status: 'active', managed_by_config: 0, created_at: 0, updated_at: 0, intercom_workspace_id: 'wsb', intercom_region: 'eu', hubspot_portal_id: 222 },
    ])
    .execute();
  const entries: ActivityEntry[] = [
    { connectionId: 'alpha', at: T0, kind: 'capture', subjectId: '100', outcome: 'captured', detail: { trigger: 'close', noteId: 'n1', contact: { id: 'c1', how: 'email', created: true }, company: { id: 'co1', how: 'domain', created: false } }, apiCalls: 7, durationMs: 420 },
    { connectionId: 'beta', at: T0 + HOUR, kind: 'capture', subjectId: '200', outcome: 'skipped', reason: 'min_duration', detail: { trigger: 'close' } },
    { connectionId: 'alpha', at: T0 + 2 * HOUR, kind: 'ticket', subjectId: '100', outcome: 'updated', reason: 'ticket stage → Closed', detail: { ticketId: 't9', stage: 's4' } },
    { connectionId: 'beta', at: T0 + 3 * HOUR, kind: 'capture', subjectId: '300', outcome: 'failed', reason: '=HYPERLINK("http://evil.example"), said HubSpot', detail: {} },
    { connectionId: 'alpha', at: T0 + 4 * HOUR, kind: 'capture', subjectId: '200', outcome: 'captured', detail: { noteId: 'n2' } },
  ];
  const ids: number[] = [];
  for (const entry of entries) ids.push(await recordActivity(db, entry));
  const api = sessionApi(server, await signIn(server));
  return { server, api, ids };
}

const subjects = (answer: ApiAnswer) => (answer.body?.entries as Array<{ connectionId: string; conversationId: string }>).map((entry) => `${entry.connectionId}/${entry.conversationId}`);
const params = (query: Record<string, string | number>) => new URLSearchParams(Object.entries(query).map(([key, value]): [string, string] => [key, String(value)])).toString();

t.test('every connection’s entries, newest first, with what the UI links to', async (t) => {
  const { api, ids } = await withActivity(t);
  const all = await api('GET', '/api/activity');
  t.equal(all.status, 200);
  t.same(subjects(all), ['alpha/200', 'beta/300', 'alpha/100', 'beta/200', 'alpha/100']);
  t.equal(all.body?.next, null, 'one page holds them all');
  const captured = all.body?.entries.find((entry: { id: number }) => entry.id === ids[0]);
  t.match(captured, {
    connectionName: 'Alpha support',
    kind: 'capture',
    outcome: 'captured',
    apiCalls: 7,
    durationMs: 420,
    conversationUrl: 'https://app.intercom.com/a/inbox/wsa/inbox/conversation/100',
    storyPath: '/activity?connection=alpha&search=100',
    explainPath: '/connections/alpha/conversations/100/explain',
  });
  t.same(captured.hubspotRecords, [
    { type: 'contact', id: 'c1', url: 'https://app.hubspot.com/contacts/111/record/0-1/c1', created: true },
    { type: 'company', id: 'co1', url: 'https://app.hubspot.com/contacts/111/record/0-2/co1', created: false },
    { type: 'note', id: 'n1', url: null, created: false },
  ], 'contact and company link to their record pages; a note has none of its own');
  const ticket = all.body?.entries.find((entry: { id: number }) => entry.id === ids[2]);
  t.same(ticket.hubspotRecords, [{ type: 'ticket', id: 't9', url: 'https://app.hubspot.com/contacts/111/record/0-5/t9', created: false }]);
  const eu = all.body?.entries.find((entry: { id: number }) => entry.id === ids[1]);
  t.equal(eu.conversationUrl, 'https://app.eu.intercom.com/a/inbox/wsb/inbox/conversation/200', 'an eu workspace links to the eu inbox');
});

t.test('each filter', async (t) => {
  const { api } = await withActivity(t);
  t.same(subjects(await api('GET', '/api/activity?connection=beta')), ['beta/300', 'beta/200'], 'by connection');
  t.same(subjects(await api('GET', '/api/activity?kind=ticket')), ['alpha/100'], 'by kind');
  t.same(subjects(await api('GET', '/api/activity?outcome=skipped')), ['beta/200'], 'by outcome');
  t.same(subjects(await api('GET', '/api/activity?connection=alpha&outcome=captured')), ['alpha/200', 'alpha/100'], 'combined');
  const range = params({ from: new Date(T0 + HOUR).toISOString(), to: T0 + 3 * HOUR });
  t.same(subjects(await api('GET', `/api/activity?${range}`)), ['alpha/100', 'beta/200'], 'from (ISO) is inclusive, to (ms) exclusive');
  t.same(subjects(await api('GET', '/api/activity?from=2026-05-04T12:00:00Z')), ['alpha/200', 'beta/300']);
  t.same(subjects(await api('GET', '/api/activity?connection=nope')), [], 'an unknown connection has no entries');
});

t.test('search by conversation id or by its Intercom URL', async (t) => {
  const { api } = await withActivity(t);
  t.same(subjects(await api('GET', '/api/activity?search=100')), ['alpha/100', 'alpha/100'], 'by id: the capture and the ticket change');
  t.same(subjects(await api('GET', '/api/activity?search=%20200%20')), ['alpha/200', 'beta/200'], 'an id is the same in two workspaces; spaces around it are ignored');
  const written = params({ search: 'https://app.eu.intercom.com/a/inbox/wsb/inbox/conversation/200' });
  t.same(subjects(await api('GET', `/api/activity?${written}`)), ['beta/200'], 'the URL the product writes: its workspace narrows the search');
  const inbox = params({ search: 'https://app.intercom.com/a/apps/wsa/inbox/inbox/all/conversations/200?view=List#part' });
  t.same(subjects(await api('GET', `/api/activity?${inbox}`)), ['alpha/200'], "the inbox's own …/conversations/<id> form");
});

t.test('paging by id', async (t) => {
  const { api } = await withActivity(t);
  const first = await api('GET', '/api/activity?limit=2');
  t.same(subjects(first), ['alpha/200', 'beta/300']);
  const second = await api('GET', `/api/activity?limit=2&before=${first.body?.next}`);
  t.same(subjects(second), ['alpha/100', 'beta/200']);
  const third = await api('GET', `/api/activity?limit=2&before=${second.body?.next}`);
  t.same(subjects(third), ['alpha/100']);
  t.equal(third.body?.next, null, 'the last page says there is no other');
  const exact = await api('GET', `/api/activity?limit=1&before=${first.body?.next}`);
  t.not(exact.body?.next, null, 'a full page with more behind it points further');
  const lastExact = await api('GET', '/api/activity?limit=5');
  t.equal(lastExact.body?.next, null, 'a full page with nothing behind it does not');
});

t.test('a bad parameter is a 400 that names it', async (t) => {
  const { api } = await withActivity(t);
  const cases: Array<[string, string]> = [
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['before=abc', 'before'],
    ['outcome=great', 'outcome'],
    ['kind=note', 'kind'],
    ['from=yesterday', 'from'],
    [`from=${T0}&to=${T0}`, 'to'],
    ['search=https%3A%2F%2Fexample.com%2Fconversation%2F1', 'search'],
    ['search=https%3A%2F%2Fapp.intercom.com%2Fa%2Finbox%2Fwsa%2Finbox', 'search'],
    ['search=two%20words', 'search'],
    ['colour=red', 'colour'],
  ];
  for (const [query, name] of cases) {
    const answer = await api('GET', `/api/activity?${query}`);
    t.equal(answer.status, 400, query);
    t.match(answer.body, { error: { code: 'invalid_query', details: [{ path: name }] } }, `${query} names ${name}`);
    t.match(answer.body?.error.message, new RegExp(`\\b${name}\\b`), 'the message names it too');
  }
  t.match(await api('GET', '/api/activity/export'), { status: 400, body: { error: { details: [{ path: 'format' }] } } }, 'the export needs a format');
  t.match(await api('GET', '/api/activity/export?format=xlsx'), { status: 400, body: { error: { details: [{ path: 'format' }] } } });
  t.match(await api('GET', '/api/activity/export?format=csv&limit=5'), { status: 400, body: { error: { details: [{ path: 'limit' }] } } }, 'the export has no pages');
});

async function download(server: TestApp, query: string, headers: Record<string, string>) {
  const response = await server.fetch(`/api/activity/export?${query}`, { headers });
  return { response, text: await response.text() };
}

/** RFC 4180 records, enough for these files: quoted fields with "" and embedded commas. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') row.push(field), (field = '');
    else if (char === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += char;
  }
  return rows;
}

t.test('CSV export: header, quoting, formula guard, filters, dated attachment', async (t) => {
  const { server } = await withActivity(t);
  const session = await signIn(server);
  const { response, text } = await download(server, 'format=csv&connection=beta', { cookie: session.cookie });
  t.equal(response.status, 200);
  t.match(response.headers.get('content-type'), /^text\/csv/);
  t.match(response.headers.get('content-disposition'), /^attachment; filename="interhubz-activity-\d{4}-\d{2}-\d{2}\.csv"$/);
  t.ok(text.endsWith('\r\n'), 'records end with CRLF');
  const rows = parseCsv(text);
  t.same(rows[0], ['id', 'time', 'connection_id', 'connection', 'kind', 'conversation_id', 'outcome', 'reason', 'hubspot_records', 'api_calls', 'duration_ms', 'intercom_url', 'detail']);
  t.equal(rows.length, 3, 'the header and beta’s two entries');
  t.same(rows.slice(1).map((row) => row[5]), ['300', '200'], 'newest first');
  t.equal(rows[1]?.[7], `'=HYPERLINK("http://evil.example"), said HubSpot`, 'a cell that starts like a formula is prefixed with a quote');
  t.match(text, `"'=HYPERLINK(""http://evil.example""), said HubSpot"`, 'quotes doubled, the field quoted for its comma');
  t.equal(rows[1]?.[1], new Date(T0 + 3 * HOUR).toISOString());
  t.equal(rows[2]?.[11], 'https://app.eu.intercom.com/a/inbox/wsb/inbox/conversation/200');

  const alpha = parseCsv((await download(server, 'format=csv&connection=alpha&kind=capture', { cookie: session.cookie })).text);
  t.same(alpha.slice(1).map((row) => [row[5], row[8]]), [['200', 'note:n2'], ['100', 'contact:c1 company:co1 note:n1']], 'the HubSpot records of each entry');
});

t.test('NDJSON export: one entry per line, as GET /api/activity shows it', async (t) => {
  const { server, api } = await withActivity(t);
  const session = await signIn(server);
  const { response, text } = await download(server, 'format=ndjson&search=100', { cookie: session.cookie });
  t.equal(response.status, 200);
  t.match(response.headers.get('content-type'), /^application\/x-ndjson/);
  t.match(response.headers.get('content-disposition'), /filename="interhubz-activity-\d{4}-\d{2}-\d{2}\.ndjson"/);
  const lines = text.split('\n');
  t.equal(lines.pop(), '', 'every line ends with a newline');
  t.same(lines.map((line) => JSON.parse(line)), (await api('GET', '/api/activity?search=100')).body?.entries);
});

t.test('an export larger than a page is written a page at a time', async (t) => {
  const { server } = await withActivity(t);
  const db = server.daemon.db.kysely;
  // 1,100 more entries: the export reads 500 at a time, so this file spans three reads.
  for (let start = 0; start < 1100; start += 275) {
    await db
      .insertInto('activity')
      .values(Array.from({ length: 275 }, (_, i) => ({ connection_id: 'alpha', at: T0 + 5 * HOUR + start + i, kind: 'capture', subject_id: `bulk${start + i}`, outcome: 'unchanged' as const })))
      .execute();
  }
  const session = await signIn(server);
  const { response, text } = await download(server, 'format=ndjson', { cookie: session.cookie });
  t.equal(response.headers.get('content-length'), null, 'sent as a stream, not a buffered body of known length');
  const ids = text.trimEnd().split('\n').map((line) => (JSON.parse(line) as { id: number }).id);
  t.equal(ids.length, 1105, 'every entry, across the pages');
  t.equal(new Set(ids).size, 1105, 'none twice at the page boundaries');
  t.ok(ids.every((id, i) => i === 0 || id < (ids[i - 1] ?? 0)), 'newest first throughout');
  const csv = parseCsv((await download(server, 'format=csv&outcome=unchanged', { cookie: session.cookie })).text);
  t.equal(csv.length, 1101, 'the CSV: one header, then every matching entry');
});

t.test('a read token may read and export; nobody anonymous may', async (t) => {
  const { server, api } = await withActivity(t);
  const created = await api('POST', '/api/tokens', { name: 'reporting', scope: 'read' });
  const bearer = { authorization: `Bearer ${String(created.body?.secret)}` };
  t.equal((await server.fetch('/api/activity', { headers: bearer })).status, 200);
  t.equal((await download(server, 'format=csv', bearer)).response.status, 200);
  t.equal((await server.fetch('/api/activity')).status, 401);
  const anonymous = await download(server, 'format=csv', {});
  t.equal(anonymous.response.status, 401);
  t.notMatch(anonymous.text, 'alpha', 'nothing of the log leaks');
});
