// The reference at the foot of a HubSpot note (src/capture/write-note.ts noteReference) leads back to
// its conversation in the activity search, whichever way it is pasted.
import t from 'tap';
import { parseConversationSearch } from '../../src/activity/activity-search.ts';
import { noteReference } from '../../src/capture/write-note.ts';

t.test('a note reference is read as its conversation', async (t) => {
  const reference = noteReference('4b1c0d2e-connection', '215470000001001', 3);
  t.same(parseConversationSearch(reference), { ok: true, search: { conversationId: '215470000001001' } });
  t.same(parseConversationSearch(`ref ${reference}`), { ok: true, search: { conversationId: '215470000001001' } }, 'as copied from the footer, with "ref"');
  t.same(parseConversationSearch(`  ${reference} `), { ok: true, search: { conversationId: '215470000001001' } });
  const participant = noteReference('4b1c0d2e-connection', '215470000001001/ref/66a0c1', 1);
  t.same(parseConversationSearch(participant), { ok: true, search: { conversationId: '215470000001001' } }, "a participant's reference note");
  t.same(parseConversationSearch('215470000001001'), { ok: true, search: { conversationId: '215470000001001' } }, 'a plain id is still a plain id');
});
