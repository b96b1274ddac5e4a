// No ping-pong (#17 item 7), end to end: the contact's name (direction both) is changed on both sides
// within a second, 100 times, while the daemon's webhooks and debounced sync jobs run in between.
// The pair settles on the value the conflict rule picks, the writes stay bounded, and once settled
// nothing more is written however long one waits.
import t, { type Test } from 'tap';
import type { Scenario } from '../helpers/capture-scenario.ts';
import { activity, allWrites, detailOf, hubspotRecord, intercomContact, pairedContact, settled, syncScenario } from '../helpers/record-sync-scenario.ts';

const ROUNDS = 100;

/** A fixed, irregular pause between rounds (0–110 ms), so syncs start in the middle of the storm. */
const pause = (round: number) => new Promise((resolve) => setTimeout(resolve, (round * 37) % 111));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const hubspotName = (s: Scenario, id: string) => {
  const properties = hubspotRecord(s, 'contacts', id)?.properties ?? {};
  return [properties['firstname'], properties['lastname']].filter(Boolean).join(' ');
};

async function storm(s: Scenario, pair: { intercomId: string; hubspotId: string }) {
  for (let round = 1; round <= ROUNDS; round++) {
    // Intercom first, HubSpot a moment later: in each round HubSpot's is the later change.
    s.intercom.control.contacts.update(pair.intercomId, { name: `Ping ${round}` });
    s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: pair.hubspotId, properties: { firstname: 'Pong', lastname: String(round) } });
    await pause(round);
  }
}

/** Settled, the writes counted; then a wait past the debounce and settled again: no write more. */
async function assertNoOscillation(t: Test, s: Scenario) {
  await settled(s);
  const writes = allWrites(s);
  t.ok(writes <= 2 * ROUNDS, `at most two writes per round (${writes})`);
  await sleep(4_000);
  await settled(s);
  t.equal(allWrites(s), writes, 'nothing more was written once the pair had settled');
  return writes;
}

t.test('newest_wins: 100 rounds of changes on both sides settle on the later change, bounded, with no oscillation', async (t) => {
  const s = await syncScenario(t);
  const pair = await pairedContact(s, { email: 'pingpong@acme.test', name: 'Start Name' });

  await storm(s, pair);
  await assertNoOscillation(t, s);
  t.equal(intercomContact(s, pair.intercomId)?.['name'], `Pong ${ROUNDS}`, 'Intercom holds HubSpot\'s last value, the later change');
  t.equal(hubspotName(s, pair.hubspotId), `Pong ${ROUNDS}`, 'HubSpot kept its last value');
  const conflicts = (await activity(s, 'contact')).flatMap((entry) => detailOf(entry).written ?? []).filter((field) => field.rule === 'newest_wins');
  t.ok(conflicts.length >= 1, 'the activity names newest_wins for the conflicts it decided');
});

t.test('intercom_wins: 100 rounds of changes on both sides settle on Intercom\'s value, bounded, with no oscillation', async (t) => {
  const s = await syncScenario(t);
  await s.setSettings((settings) => {
    const name = (settings['recordSync'].contacts.mappings as Array<Record<string, unknown>>).find((mapping) => mapping['intercom'] === 'name');
    if (!name) throw new Error('the contact name mapping is missing');
    name['onConflict'] = 'intercom_wins';
  });
  const pair = await pairedContact(s, { email: 'intercomwins@acme.test', name: 'Start Name' });

  await storm(s, pair);
  await assertNoOscillation(t, s);
  t.equal(intercomContact(s, pair.intercomId)?.['name'], `Ping ${ROUNDS}`, 'Intercom kept its last value');
  t.equal(hubspotName(s, pair.hubspotId), `Ping ${ROUNDS}`, 'HubSpot holds Intercom\'s last value, the rule\'s pick');
});

t.test('newest_wins: when Intercom\'s change is the later one, both sides settle on it', async (t) => {
  const s = await syncScenario(t);
  const pair = await pairedContact(s, { email: 'later.intercom@acme.test', name: 'Start Name' });

  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: pair.hubspotId, properties: { firstname: 'Earlier', lastname: 'HubSpot' } });
  // Intercom's updated_at counts seconds: its change is later by more than one.
  s.intercom.control.clock.advance(2_000);
  s.intercom.control.contacts.update(pair.intercomId, { name: 'Later Intercom' });
  await settled(s);
  await sleep(4_000);
  await settled(s);
  t.equal(intercomContact(s, pair.intercomId)?.['name'], 'Later Intercom');
  t.equal(hubspotName(s, pair.hubspotId), 'Later Intercom', 'HubSpot took Intercom\'s later change');
  t.ok(allWrites(s) <= 2, `bounded (${allWrites(s)} writes)`);
});
