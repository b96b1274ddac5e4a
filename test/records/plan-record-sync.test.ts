// The per-field decision for one pair of records (#17 items 4 and 7): one write per change, no echo,
// conflicts by rule, and simultaneous changes that settle.
import t from 'tap';
import type { FieldMapping } from '../../src/records/field-mapping.ts';
import type { FieldValue, HubSpotFieldType, IntercomFieldType } from '../../src/records/field-types.ts';
import { planRecordSync, type Baseline, type FieldDecision, type PlanInput } from '../../src/records/plan-record-sync.ts';
import type { HashKey } from '../../src/records/value-hash.ts';
import type { Vendor } from '../../src/vendor.ts';

const hashKey: HashKey = { installKey: Buffer.alloc(32, 7), connectionId: 'c1' };
const text: { intercom: IntercomFieldType; hubspot: HubSpotFieldType } = { intercom: { vendor: 'intercom', type: 'string' }, hubspot: { vendor: 'hubspot', type: 'string' } };
const plan: FieldMapping = { intercom: 'custom.plan', hubspot: 'plan', direction: 'both', onConflict: 'newest_wins', create: false };

/** One field of a pair, as the sync would hold it between runs. */
interface Pair {
  intercom: { value: FieldValue; changedAt: number };
  hubspot: { value: FieldValue; changedAt: number };
  baseline: Baseline;
}

function decide(pair: Pair, mapping: FieldMapping, trigger?: Vendor, types = text): FieldDecision {
  const input: PlanInput = {
    hashKey,
    fields: [{ mapping, intercom: { type: types.intercom, ...pair.intercom }, hubspot: { type: types.hubspot, ...pair.hubspot }, baseline: pair.baseline }],
    intercomUpdatedAt: pair.intercom.changedAt,
    hubspotUpdatedAt: pair.hubspot.changedAt,
    ...(trigger ? { trigger } : {}),
  };
  const [decision] = planRecordSync(input);
  if (!decision) throw new Error('no decision');
  return decision;
}

/** Carries a decision out on the pair at `now`; returns the side written, if any. */
function apply(pair: Pair, decision: FieldDecision, now: number): Vendor | null {
  if (decision.action === 'skipped' && decision.rule === 'type_conversion') return null;
  pair.baseline = decision.baseline;
  if (decision.action === 'write_hubspot') pair.hubspot = { value: decision.value, changedAt: now };
  else if (decision.action === 'write_intercom') pair.intercom = { value: decision.value, changedAt: now };
  else return null;
  return decision.action === 'write_hubspot' ? 'hubspot' : 'intercom';
}

/** A pair already in sync on `value`. */
function settled(value: string, mapping = plan): Pair {
  const pair: Pair = { intercom: { value, changedAt: 1000 }, hubspot: { value: null, changedAt: 0 }, baseline: {} };
  apply(pair, decide(pair, mapping), 1000);
  return pair;
}

t.test('a change on one side is one write to the other, and its echo is nothing', async (t) => {
  const pair = settled('free');
  t.same(pair.hubspot.value, 'free');
  pair.intercom = { value: 'pro', changedAt: 2000 };
  const first = decide(pair, plan, 'intercom');
  t.match(first, { action: 'write_hubspot', value: 'pro' });
  t.notOk('conflict' in first, 'one side changed: no conflict');
  t.equal(apply(pair, first, 2100), 'hubspot');
  t.equal(decide(pair, plan, 'hubspot').action, 'echo', "HubSpot's change event for our write is an echo");
  t.equal(decide(pair, plan, 'intercom').action, 'echo', "Intercom's event arriving late is an echo too");
  t.equal(decide(pair, plan).action, 'unchanged', 'a sweep finds nothing to do');

  pair.hubspot = { value: 'enterprise', changedAt: 3000 };
  t.match(decide(pair, plan, 'hubspot'), { action: 'write_intercom', value: 'enterprise' }, 'and the other way');
});

t.test('the echo is recognised whatever order events come in, also after a later change', async (t) => {
  const pair = settled('free');
  pair.intercom = { value: 'pro', changedAt: 2000 };
  apply(pair, decide(pair, plan, 'intercom'), 2100);
  pair.intercom = { value: 'team', changedAt: 2200 };
  // HubSpot's event for our 'pro' write arrives after Intercom changed again: not an echo to skip, a change to carry.
  t.match(decide(pair, plan, 'hubspot'), { action: 'write_hubspot', value: 'team' });
});

t.test('both sides changed: the conflict rule decides', async (t) => {
  const both = (rule: FieldMapping['onConflict'], intercomAt: number, hubspotAt: number) => {
    const mapping = { ...plan, onConflict: rule };
    const pair = settled('free', mapping);
    pair.intercom = { value: 'pro', changedAt: intercomAt };
    pair.hubspot = { value: 'team', changedAt: hubspotAt };
    return decide(pair, mapping, 'intercom');
  };
  t.match(both('newest_wins', 5000, 4000), { action: 'write_hubspot', value: 'pro', conflict: 'newest_wins' });
  t.match(both('newest_wins', 4000, 5000), { action: 'write_intercom', value: 'team', conflict: 'newest_wins' });
  t.match(both('newest_wins', 5000, 5000), { action: 'write_hubspot', value: 'pro' }, 'a tie goes to Intercom');
  t.match(both('intercom_wins', 4000, 5000), { action: 'write_hubspot', value: 'pro', conflict: 'intercom_wins' });
  t.match(both('hubspot_wins', 5000, 4000), { action: 'write_intercom', value: 'team', conflict: 'hubspot_wins' });
});

t.test("newest_wins uses a field's own change time over the record's", async (t) => {
  const pair = settled('free');
  const input: PlanInput = {
    hashKey,
    fields: [{ mapping: plan, intercom: { type: text.intercom, value: 'pro' }, hubspot: { type: text.hubspot, value: 'team', changedAt: 3000 }, baseline: pair.baseline }],
    intercomUpdatedAt: 4000,
    hubspotUpdatedAt: 9000, // another field changed later; this one at 3000
  };
  t.match(planRecordSync(input), [{ action: 'write_hubspot', value: 'pro' }]);
});

t.test('one-way fields: a change on the receiving side is not carried back, and is said once', async (t) => {
  const oneWay: FieldMapping = { intercom: 'location.city', hubspot: 'city', direction: 'to_hubspot', create: false };
  const pair = settled('Berlin', oneWay);
  pair.hubspot = { value: 'Paris', changedAt: 5000 };
  const skipped = decide(pair, oneWay, 'hubspot');
  t.match(skipped, { action: 'skipped', rule: 'direction', reason: /changed in HubSpot, but location.city ↔ city goes to HubSpot only/ });
  apply(pair, skipped, 5000);
  t.equal(decide(pair, oneWay).action, 'unchanged', 'the next sweep does not repeat it');
  pair.intercom = { value: 'Madrid', changedAt: 6000 };
  t.match(decide(pair, oneWay, 'intercom'), { action: 'write_hubspot', value: 'Madrid' });
});

t.test('a value that cannot be converted skips that field only, and is tried again later', async (t) => {
  const tier = { intercom: { vendor: 'intercom', type: 'string' }, hubspot: { vendor: 'hubspot', type: 'enumeration', options: ['free', 'pro'] } } as const;
  const pair = settled('free');
  pair.intercom = { value: 'gold', changedAt: 2000 };
  const input: PlanInput = {
    hashKey,
    fields: [
      { mapping: plan, intercom: { type: tier.intercom, ...pair.intercom }, hubspot: { type: tier.hubspot, ...pair.hubspot }, baseline: pair.baseline },
      { mapping: { ...plan, intercom: 'custom.seats', hubspot: 'seats' }, intercom: { type: text.intercom, value: '12' }, hubspot: { type: text.hubspot, value: '10' }, baseline: {} },
    ],
    intercomUpdatedAt: 2000,
    hubspotUpdatedAt: 1000,
  };
  const [gold, seats] = planRecordSync(input);
  t.match(gold, { action: 'skipped', rule: 'type_conversion', reason: /Intercom custom.plan → HubSpot plan: "gold" is not one of the options/ });
  t.same(gold?.baseline, pair.baseline, 'its baseline stays, so the change is still seen next time');
  t.match(seats, { action: 'write_hubspot', value: '12' }, 'the rest of the record still syncs');
});

t.test('renderings of one value are in agreement: numbers and dates', async (t) => {
  const count = { intercom: { vendor: 'intercom', type: 'integer' }, hubspot: { vendor: 'hubspot', type: 'number' } } as const;
  const mapping: FieldMapping = { intercom: 'size', hubspot: 'numberofemployees', direction: 'both', onConflict: 'newest_wins', create: false };
  const pair: Pair = { intercom: { value: 40, changedAt: 1000 }, hubspot: { value: '40.0', changedAt: 2000 }, baseline: {} };
  t.equal(decide(pair, mapping, undefined, count).action, 'unchanged');
  const day = { intercom: { vendor: 'intercom', type: 'date' }, hubspot: { vendor: 'hubspot', type: 'date' } } as const;
  const signup: FieldMapping = { intercom: 'signed_up_at', hubspot: 'signup_day', direction: 'to_hubspot', create: false };
  const dated: Pair = { intercom: { value: 1_767_229_200, changedAt: 1000 }, hubspot: { value: '2026-01-01T00:00:00Z', changedAt: 2000 }, baseline: {} };
  t.equal(decide(dated, signup, undefined, day).action, 'unchanged', 'an instant and the HubSpot date of its UTC day agree');
});

/** A small deterministic random source, so the property test is the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

t.test('100 simultaneous changes on both sides settle on the conflict rule, one write each, no oscillation', async (t) => {
  for (const rule of ['newest_wins', 'intercom_wins', 'hubspot_wins'] as const) {
    const mapping = { ...plan, onConflict: rule };
    const next = random(17);
    const pair = settled('start', mapping);
    let writes = 0;
    let wrong = 0;
    let extraWrites = 0;
    for (let round = 1; round <= 100; round++) {
      const base = round * 10_000;
      const intercomAt = base + Math.floor(next() * 1000);
      const hubspotAt = base + Math.floor(next() * 1000);
      pair.intercom = { value: `i${round}`, changedAt: intercomAt };
      pair.hubspot = { value: `h${round}`, changedAt: hubspotAt };
      const expected = rule === 'intercom_wins' || (rule === 'newest_wins' && intercomAt >= hubspotAt) ? `i${round}` : `h${round}`;
      // Both sides' change events, in a random order; each write we make comes back as one more event.
      const events: Vendor[] = next() < 0.5 ? ['intercom', 'hubspot'] : ['hubspot', 'intercom'];
      let clock = base + 1000;
      let roundWrites = 0;
      for (let event = events.shift(); event !== undefined; event = events.shift()) {
        const written = apply(pair, decide(pair, mapping, event), ++clock);
        if (written) {
          writes++;
          roundWrites++;
          events.splice(Math.floor(next() * (events.length + 1)), 0, written);
        }
      }
      if (roundWrites > 1) extraWrites += roundWrites - 1;
      if (pair.intercom.value !== expected || pair.hubspot.value !== expected) wrong++;
    }
    t.equal(extraWrites, 0, `${rule}: no round writes more than once (no ping-pong)`);
    t.equal(writes, 100, `${rule}: exactly one write per round`);
    t.equal(wrong, 0, `${rule}: every round settles on the rule's value on both sides`);
    t.equal(decide(pair, mapping).action, 'unchanged', `${rule}: a sweep afterwards writes nothing`);
  }
});

t.test("a company's website goes into HubSpot's domain as its bare host", async (t) => {
  const mapping: FieldMapping = { intercom: 'website', hubspot: 'domain', direction: 'to_hubspot', create: false };
  const pair: Pair = { intercom: { value: 'https://www.Acme.test/pricing', changedAt: 1000 }, hubspot: { value: null, changedAt: 0 }, baseline: {} };
  const first = decide(pair, mapping);
  t.match(first, { action: 'write_hubspot', value: 'acme.test' });
  apply(pair, first, 1100);
  pair.hubspot = { value: 'ACME.test', changedAt: 1200 };
  t.equal(decide(pair, mapping, 'hubspot').action, 'echo', 'the domain we wrote, rendered in another case, is still our write');
  pair.intercom = { value: 'localhost:8080', changedAt: 1300 };
  t.match(decide(pair, mapping, 'intercom'), { action: 'skipped', rule: 'type_conversion', reason: /names no company domain/ });
});

t.test("a first sync fills an empty side, whatever the records' update times say", async (t) => {
  // The HubSpot contact was created a moment ago by matching, without this field: newer, but empty.
  const toHubSpot = decide({ intercom: { value: 'annual', changedAt: 1000 }, hubspot: { value: null, changedAt: 5000 }, baseline: {} }, plan);
  t.match(toHubSpot, { action: 'write_hubspot', value: 'annual' });
  t.notOk('conflict' in toHubSpot, 'an empty side is not a conflicting value');
  const toIntercom = decide({ intercom: { value: '', changedAt: 9000 }, hubspot: { value: 'monthly', changedAt: 1000 }, baseline: {} }, plan);
  t.match(toIntercom, { action: 'write_intercom', value: 'monthly' });
  const both = decide({ intercom: { value: 'annual', changedAt: 1000 }, hubspot: { value: 'monthly', changedAt: 5000 }, baseline: {} }, plan);
  t.match(both, { action: 'write_intercom', value: 'monthly', conflict: 'newest_wins' }, 'two values on a first sync are a conflict, decided by the rule');
});
