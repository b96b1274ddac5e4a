// The simulators' ids: deterministic, and shaped like the vendor's. Intercom's notification ids are
// random version-4 uuids (intercom-api.md §2.3), so the simulator's scatter as those do instead of
// counting up: numbered ids would sit side by side in the daemon's dedupe index.
import t from 'tap';
import { createIdSource } from '../../../src/sandbox/shared/ids.ts';

t.test('nextUuid: version-4 uuids, scattered, the same in every run', async (t) => {
  const ids = createIdSource();
  const uuids = Array.from({ length: 200 }, () => ids.nextUuid('notification'));
  for (const uuid of uuids) t.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.equal(new Set(uuids).size, uuids.length, 'no two alike');
  const ascending = uuids.slice(1).filter((uuid, i) => uuid > (uuids[i] as string)).length;
  t.ok(ascending > 60 && ascending < 140, `not in order: ${ascending} of 199 steps go up`);
  const again = createIdSource();
  t.same(Array.from({ length: 200 }, () => again.nextUuid('notification')), uuids, 'another source from the same start gives the same ids');
});
