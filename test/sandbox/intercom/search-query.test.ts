import t from 'tap';
import { compileQuery, dayIn, type CompileOptions, type SearchDoc } from '../../../src/sandbox/intercom/search-query.ts';

const fields: CompileOptions['fields'] = {
  id: 'string',
  state: 'string',
  updated_at: 'date',
  admin_assignee_id: 'integer',
  open: 'boolean',
  tag_ids: 'id-list',
  'source.body': 'token-text',
  'source.subject': 'string',
};

const docs: SearchDoc[] = [
  { id: '1', state: 'open', updated_at: 100, admin_assignee_id: 7, open: true, tag_ids: ['a'], 'source.body': '<p>I need support</p>', 'source.subject': 'Billing question' },
  { id: '2', state: 'closed', updated_at: 200, admin_assignee_id: null, open: false, tag_ids: ['a', 'b'], 'source.body': 'hello', 'source.subject': 'Refund' },
  { id: '3', state: 'snoozed', updated_at: 300, admin_assignee_id: 8, open: true, tag_ids: [], 'source.body': 'Support please', 'source.subject': 'billing' },
];

function ids(query: unknown, dates: CompileOptions['dates'] = { kind: 'inclusive' }): string[] | string {
  const compiled = compileQuery(query, { fields, dates });
  if (!compiled.ok) return `${compiled.code}: ${compiled.message}`;
  return docs.filter(compiled.match).map((d) => String(d.id));
}

t.test('single-field operators', async (t) => {
  t.same(ids({ field: 'state', operator: '=', value: 'open' }), ['1']);
  t.same(ids({ field: 'state', operator: '!=', value: 'open' }), ['2', '3']);
  t.same(ids({ field: 'state', operator: 'IN', value: ['open', 'snoozed'] }), ['1', '3']);
  t.same(ids({ field: 'state', operator: 'NIN', value: ['open', 'snoozed'] }), ['2']);
  t.same(ids({ field: 'source.subject', operator: '~', value: 'bill' }), ['1', '3']);
  t.same(ids({ field: 'source.subject', operator: '!~', value: 'bill' }), ['2']);
  t.same(ids({ field: 'source.subject', operator: '^', value: 'Ref' }), ['2']);
  t.same(ids({ field: 'source.subject', operator: '$', value: 'question' }), ['1']);
  t.same(ids({ field: 'open', operator: '=', value: false }), ['2']);
  t.same(ids({ field: 'admin_assignee_id', operator: '=', value: null }), ['2']);
});

t.test('> and < are inclusive for conversation dates; >= and <= too', async (t) => {
  t.same(ids({ field: 'updated_at', operator: '>', value: 200 }), ['2', '3']);
  t.same(ids({ field: 'updated_at', operator: '<', value: 200 }), ['1', '2']);
  t.same(ids({ field: 'updated_at', operator: '>=', value: 300 }), ['3']);
  t.same(ids({ field: 'updated_at', operator: '>', value: 200 }, { kind: 'exact' }), ['3']);
});

t.test('list fields match membership; source.body matches single words', async (t) => {
  t.same(ids({ field: 'tag_ids', operator: '=', value: 'b' }), ['2']);
  t.same(ids({ field: 'tag_ids', operator: 'IN', value: ['a'] }), ['1', '2']);
  t.same(ids({ field: 'tag_ids', operator: 'NIN', value: ['a'] }), ['3']);
  t.same(ids({ field: 'source.body', operator: '=', value: 'support' }), ['1', '3']);
  t.same(ids({ field: 'source.body', operator: '=', value: 'need support' }), [], 'a phrase does not match (S14)');
});

t.test('nested AND/OR', async (t) => {
  const query = {
    operator: 'OR',
    value: [
      { operator: 'AND', value: [{ field: 'state', operator: '=', value: 'open' }, { field: 'admin_assignee_id', operator: '=', value: 7 }] },
      { field: 'updated_at', operator: '>', value: 300 },
    ],
  };
  t.same(ids(query), ['1', '3']);
});

t.test('limits and errors', async (t) => {
  const filter = { field: 'state', operator: '=', value: 'open' };
  t.match(ids({ operator: 'AND', value: Array.from({ length: 16 }, () => filter) }), /^parameter_invalid: A maximum of 15/);
  t.same(ids({ operator: 'AND', value: Array.from({ length: 15 }, () => filter) }), ['1']);
  const deep = { operator: 'AND', value: [{ operator: 'OR', value: [{ operator: 'AND', value: [{ operator: 'OR', value: [filter] }] }] }] };
  t.match(ids(deep), /^parameter_invalid: Nesting depth/);
  const twoNested = { operator: 'AND', value: [{ operator: 'OR', value: [{ operator: 'AND', value: [filter] }] }] };
  t.same(ids(twoNested), ['1'], 'two nested levels are allowed');
  t.match(ids({ field: 'nope', operator: '=', value: 1 }), /^invalid_field:/);
  t.match(ids({ field: 'state', operator: '>', value: 'open' }), /^parameter_invalid/);
  t.match(ids({ field: 'updated_at', operator: '>', value: '2026-01-01' }), /^parameter_invalid: updated_at expects a Unix timestamp/);
  t.match(ids({ field: 'state', operator: 'IN', value: 'open' }), /requires an array/);
  t.match(ids({ field: 'state', operator: 'LIKE', value: 'open' }), /not supported/);
});

t.test('contact dates in 2.14 match by calendar day in the workspace timezone', async (t) => {
  const tz = 'Europe/Berlin';
  // 2026-03-02 23:30 Berlin is 22:30 UTC; 2026-03-03 00:30 Berlin is 23:30 UTC on the 2nd.
  const lateMonday = Date.UTC(2026, 2, 2, 22, 30) / 1000;
  const earlyTuesday = Date.UTC(2026, 2, 2, 23, 30) / 1000;
  t.equal(dayIn(tz, lateMonday), '2026-03-02');
  t.equal(dayIn(tz, earlyTuesday), '2026-03-03');
  const contactDocs: SearchDoc[] = [
    { id: 'mon', updated_at: lateMonday },
    { id: 'tue', updated_at: earlyTuesday },
  ];
  const run = (query: unknown) => {
    const compiled = compileQuery(query, { fields: { id: 'string', updated_at: 'date' }, dates: { kind: 'day', timezone: tz } });
    return compiled.ok ? contactDocs.filter(compiled.match).map((d) => d.id) : compiled.code;
  };
  const mondayMorning = Date.UTC(2026, 2, 2, 8, 0) / 1000;
  t.same(run({ field: 'updated_at', operator: '=', value: mondayMorning }), ['mon'], '= matches the whole day');
  t.same(run({ field: 'updated_at', operator: '>', value: mondayMorning }), ['tue'], '> starts at the next day');
  t.same(run({ field: 'updated_at', operator: '>', value: lateMonday - 3600 }), ['tue'], 'the rest of the watermark day is skipped');
  t.same(run({ field: 'updated_at', operator: '<', value: earlyTuesday }), ['mon'], '< ends before the day');
  for (const operator of ['!=', '>=', '<=']) t.equal(run({ field: 'updated_at', operator, value: mondayMorning }), 'parameter_invalid', `${operator} on a date is an error`);
  t.equal(run({ field: 'updated_at', operator: 'IN', value: [mondayMorning] }), 'parameter_invalid');
});
