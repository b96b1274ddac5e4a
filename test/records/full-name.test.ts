// The contact's name ↔ HubSpot firstname + lastname (#17 item 2).
import t from 'tap';
import { joinFullName, splitFullName } from '../../src/records/full-name.ts';

t.test('joined for comparison, split for writing, as capture splits it', async (t) => {
  t.equal(joinFullName('Ana María', 'López'), 'Ana María López');
  t.equal(joinFullName(' Ana ', null), 'Ana');
  t.equal(joinFullName(null, ''), null, 'no name at all is no value');
  t.same(splitFullName('Ana María López'), { firstname: 'Ana', lastname: 'María López' });
  t.same(splitFullName('Ana'), { firstname: 'Ana', lastname: '' }, 'a last name the name lacks is cleared');
  t.same(splitFullName(null), { firstname: '', lastname: '' });
  t.equal(joinFullName(...(Object.values(splitFullName('Ana María López')) as [string, string])), 'Ana María López', 'a split name joins back to itself');
});
