import t from 'tap';
import { changedKeys } from '../../src/audit/changed-keys.ts';

t.test('each changed leaf as a dotted key; lists are one leaf; equal objects none', async (t) => {
  const before = { timeZone: 'UTC', conversations: { capture: { mode: 'on_close', graceMinutes: 10 }, routing: { rules: [{ name: 'a' }] } } };
  t.same(changedKeys(before, structuredClone(before)), []);
  const after = { timeZone: 'Europe/Berlin', conversations: { capture: { mode: 'on_close', graceMinutes: 25 }, routing: { rules: [{ name: 'b' }] } } };
  t.same(changedKeys(before, after), ['conversations.capture.graceMinutes', 'conversations.routing.rules', 'timeZone']);
});

t.test('a section that appears or goes away: each of its leaves; an empty one: nothing', async (t) => {
  t.same(changedKeys({}, { tickets: { policy: 'none', stages: { open: '1' } } }), ['tickets.policy', 'tickets.stages.open']);
  t.same(changedKeys({ users: { defaultOwner: 'x' } }, {}), ['users.defaultOwner']);
  t.same(changedKeys({}, { tickets: {} }), []);
  t.same(changedKeys({ a: 1 }, { a: { b: 2 } }), ['a.b']);
});
