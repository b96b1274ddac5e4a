// The export's pieces on their own: a CSV field (RFC 4180 quoting, the formula guard) and the file
// written one page of the log at a time.
import t from 'tap';
import { exportActivity } from '../../src/activity/activity-export.ts';
import { csvField } from '../../src/csv-field.ts';
import { recordActivity } from '../../src/activity/activity-log.ts';
import { eachStore } from '../helpers/postgres.ts';

t.test('a CSV field', async (t) => {
  t.equal(csvField('plain'), 'plain');
  t.equal(csvField(null), '', 'nothing is an empty field');
  t.equal(csvField(42), '42');
  t.equal(csvField(-3), '-3', 'a number is no formula');
  t.equal(csvField('a,b'), '"a,b"', 'a comma is quoted');
  t.equal(csvField('say "hi"'), '"say ""hi"""', 'quotes are doubled inside quotes');
  t.equal(csvField('two\nlines'), '"two\nlines"');
  for (const start of ['=', '+', '-', '@', '\t', '\r']) t.equal(csvField(`${start}1+1`).replace(/^"/, '').slice(0, 2), `'${start}`, `a cell starting with ${JSON.stringify(start)} stays text`);
  t.equal(csvField('=cmd|"/c calc"!A1'), `"'=cmd|""/c calc""!A1"`, 'guarded and quoted');
});

eachStore(t, 'the file comes a page at a time', async (t, { kysely }) => {
  await kysely.insertInto('connections').values({ id: 'c1', name: 'C', status: 'active', managed_by_config: 0, created_at: 0, updated_at: 0 }).execute();
  for (let i = 0; i < 5; i++) await recordActivity(kysely, { connectionId: 'c1', at: i, kind: 'capture', subjectId: `conv${i}`, outcome: 'captured' });
  const chunks: string[] = [];
  for await (const chunk of exportActivity(kysely, {}, 'ndjson', 2)) chunks.push(chunk);
  t.same(chunks.map((chunk) => chunk.trimEnd().split('\n').map((line) => (JSON.parse(line) as { conversationId: string }).conversationId)), [['conv4', 'conv3'], ['conv2', 'conv1'], ['conv0']], 'three reads of two, newest first');

  const csv: string[] = [];
  for await (const chunk of exportActivity(kysely, { outcome: 'captured' }, 'csv', 5)) csv.push(chunk);
  t.equal(csv.length, 2, 'the header, then the one full page; an empty read adds nothing');
  t.match(csv[0], /^id,time,connection_id,/);
});
