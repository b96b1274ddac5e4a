// A run with ~20 % of calls answered by injected 429s, 5xx, timeouts and resets: every read
// completes (retried within the call), and a create whose answer was lost is surfaced as
// ambiguous_write — never sent a second time behind the caller's back.
import t from 'tap';
import { UpstreamError } from '../../../src/integrations/upstream-error.ts';
import { assertLogClean, setup } from './helpers.ts';

const KINDS = ['429', '500', '502', '503', 'timeout', 'reset'] as const;
const BODY_MARKER = 'fault-note-body';

/** A small seeded PRNG (mulberry32), so a failing run can be repeated. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

async function workers(count: number, jobs: number, run: (n: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: count }, async () => {
    while (next < jobs) await run(next++);
  }));
}

t.test('reads under ~20 % injected failures all complete', async (t) => {
  const env = await setup(t);
  await env.storeOAuth();
  const control = env.sim.sim.control;
  const ids = Array.from({ length: 10 }, (_, i) => control.seedRecord({ objectType: 'contacts', properties: { email: `r${i}@faults.test` } }));
  const hs = env.client();
  const random = seeded(42);
  let injected = 0;
  let completed = 0;
  const CALLS = 80;
  await workers(8, CALLS, async (n) => {
    if (random() < 0.2) {
      injected += 1;
      control.addFault({ kind: KINDS[Math.floor(random() * KINDS.length)]!, count: 1 });
    }
    const id = ids[n % ids.length]!;
    switch (n % 4) {
      case 0: await hs.contacts.get(id); break;
      case 1: await hs.contacts.batchRead([id]); break;
      case 2: await hs.pipelines.list(); break;
      default: await hs.contacts.searchPage({ filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: `r${n % 10}@faults.test` }] }] });
    }
    completed += 1;
  });
  t.equal(completed, CALLS, `all ${CALLS} reads completed`);
  t.ok(injected >= 10, `${injected} faults injected`);
  const failed = control.requests().entries.filter((e) => e.status >= 429 || e.status === 0).length;
  t.ok(failed > 0, `${failed} requests failed at the simulator and were retried`);
});

t.test('creates under injected failures: no duplicates, lost answers surfaced as ambiguous_write', async (t) => {
  const env = await setup(t);
  await env.storeOAuth();
  const control = env.sim.sim.control;
  const hs = env.client();
  const random = seeded(7);
  const outcome = { ok: 0, ambiguous: 0 };
  const created = new Set<string>();
  await workers(6, 40, async (n) => {
    if (random() < 0.2) control.addFault({ kind: KINDS[Math.floor(random() * KINDS.length)]!, count: 1, method: 'POST', pathPrefix: '/crm/objects/2026-09/notes' });
    try {
      await hs.notes.create({ properties: { hs_timestamp: String(Date.now()), hs_note_body: `${BODY_MARKER} #${n}#` } });
      outcome.ok += 1;
      created.add(`#${n}#`);
    } catch (error) {
      if (!(error instanceof UpstreamError) || error.kind !== 'ambiguous_write') throw error;
      outcome.ambiguous += 1;
    }
  });
  t.ok(outcome.ambiguous > 0, `${outcome.ambiguous} creates surfaced as ambiguous_write, ${outcome.ok} succeeded`);
  const notes = control.records({ objectType: 'notes' });
  const markers = notes.map((note) => /#\d+#/.exec(note.properties.hs_note_body ?? '')?.[0]);
  t.equal(new Set(markers).size, markers.length, 'no note was created twice');
  t.equal(notes.length, outcome.ok, 'exactly the successful creates exist');
});

t.test('a POST create after a timeout is not retried blindly', async (t) => {
  const env = await setup(t);
  await env.storeOAuth();
  const control = env.sim.sim.control;
  const hs = env.client();
  control.addFault({ kind: 'timeout', count: 1, method: 'POST', pathPrefix: '/crm/objects/2026-09/notes' });
  const error = await hs.notes.create({ properties: { hs_timestamp: String(Date.now()), hs_note_body: BODY_MARKER } }).catch((e: unknown) => e);
  t.ok(error instanceof UpstreamError);
  t.equal((error as UpstreamError).kind, 'ambiguous_write');
  t.equal((error as UpstreamError).retryable, true, 'the job may run again, and looks before writing');
  const posts = control.requests().entries.filter((e) => e.method === 'POST' && e.path === '/crm/objects/2026-09/notes');
  t.equal(posts.length, 1, 'sent once');

  // A 503 on a create is ambiguous too (it may have been applied); a 429 is not (HubSpot refused it unprocessed).
  control.addFault({ kind: '503', count: 1, method: 'POST', pathPrefix: '/crm/objects/2026-09/notes' });
  const five = await hs.notes.create({ properties: { hs_timestamp: String(Date.now()) } }).catch((e: unknown) => e);
  t.match((five as UpstreamError).details, { kind: 'ambiguous_write', status: 503 });
  control.addFault({ kind: '429', count: 1, method: 'POST', pathPrefix: '/crm/objects/2026-09/notes' });
  const note = await hs.notes.create({ properties: { hs_timestamp: String(Date.now()) } });
  t.ok(note.id, 'a 429 on a create is retried and succeeds once');
  t.equal(control.records({ objectType: 'notes' }).length, 1);
});

t.test('the captured log of this file holds no token, secret or body text', async (t) => {
  assertLogClean(t, [BODY_MARKER]);
});
