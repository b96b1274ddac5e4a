// The note's footer speaks to a sales rep reading it in HubSpot: what captured it and when, and a
// reference. The settings the note was written under (once spelt in the footer) are in the activity
// entry, which the reference finds; and a push by another trigger of an unchanged conversation still
// writes nothing, though the footer would name a different trigger.
import t from 'tap';
import { captureOccasion } from '../../src/capture/capture-occasion.ts';
import { CAPTURE_TRIGGERS } from '../../src/conversations/resolve-records.ts';
import { captureScenario } from '../helpers/capture-scenario.ts';

t.test('each trigger is said in words; a close is a close whether its webhook or the sweep saw it', async (t) => {
  t.equal(captureOccasion('on_close'), 'when the conversation closed');
  t.equal(captureOccasion('sweep'), 'when the conversation closed');
  t.equal(captureOccasion('api'), 'when the conversation was pushed through the Interhubz API');
  t.equal(captureOccasion('ui'), 'when a teammate pushed the conversation from Interhubz');
  for (const trigger of CAPTURE_TRIGGERS) t.notMatch(captureOccasion(trigger), /_/, `${trigger}: words, not a setting's name`);
});

t.test('a pushed note ends with who pushed it and the reference; the reference finds the settings it was written under', async (t) => {
  const s = await captureScenario(t);
  const { conversationId } = s.conversation({});
  const first = await s.push(conversationId);
  t.match(first.body, { outcome: 'captured', trigger: 'ui', note: { reference: /^ihz-[0-9a-f]{8}-/, mode: 'on_close', notePolicy: 'update_existing' } });
  const reference = String(first.body?.note?.reference);
  const body = String(s.notes()[0]?.properties.hs_note_body);
  t.ok(body.endsWith(`<p><small>Captured by Interhubz when a teammate pushed the conversation from Interhubz · ref ${reference}</small></p>`), 'the last line speaks to the reader');
  t.notMatch(body, /mode:|guards:|note policy:/, 'no settings in the note');

  const found = await s.api('GET', `/api/activity?search=${encodeURIComponent(`ref ${reference}`)}`);
  t.equal(found.status, 200, 'the activity search takes the reference as written in the note');
  t.match(found.body?.entries, [{ conversationId, outcome: 'captured', detail: { note: { reference, mode: 'on_close', guards: first.body?.note?.guards, notePolicy: 'update_existing' } } }]);
  t.ok(String(first.body?.note?.guards).length > 0, 'the guards in force are named');
  const explained = await s.api('GET', `/api/connections/${s.connectionId}/conversations/${conversationId}/explain`);
  const decided = (explained.body?.timeline as Array<{ kind: string; summary: string }>).find((entry) => entry.kind === 'run_decided');
  t.match(decided?.summary, `(ref ${reference}; capture on_close, guards ${String(first.body?.note?.guards)}, note policy update_existing)`, 'the explainer says the settings by the reference');

  const forced = s.conversation({ messages: 1 });
  const pushed = await s.push(forced.conversationId, { force: true });
  t.match(pushed.body, { outcome: 'captured', note: { guards: 'bypassed (forced push)' } }, 'a forced push records that the guards were bypassed');
});

t.test('an unchanged conversation pushed again by another trigger is unchanged: the occasion is not a change', async (t) => {
  const s = await captureScenario(t);
  const { conversationId } = s.conversation({});
  t.match((await s.push(conversationId)).body, { outcome: 'captured', trigger: 'ui' });
  const created = await s.api('POST', '/api/tokens', { name: 'script', scope: 'push' });
  const answer = await fetch(`${s.server.url}/api/connections/${s.connectionId}/conversations/${conversationId}/push`, {
    method: 'POST', headers: { authorization: `Bearer ${String(created.body?.secret)}`, 'content-type': 'application/json' }, body: '{}',
  });
  t.match(await answer.json(), { outcome: 'unchanged', trigger: 'api' });
  t.match(s.notes()[0]?.properties.hs_note_body, /when a teammate pushed the conversation from Interhubz · ref /, 'the note still says what wrote it');
});
