// createOnce / findByReference (src/integrations/hubspot/create-once.ts), the write-once protocol
// notes and tickets share: a crash between the create and the local commit, or a lost answer, ends
// with the rerun adopting the record the first run made; a 404 that reading the parent does not
// confirm never passes for "nothing there" (a second record would follow).
import t from 'tap';
import type { HubSpotClient } from '../../../src/integrations/hubspot/client.ts';
import { createOnce, findByReference } from '../../../src/integrations/hubspot/create-once.ts';
import { UpstreamError } from '../../../src/integrations/upstream-error.ts';

const notFound = (path: string) => new UpstreamError({ service: 'hubspot', kind: 'not_found', status: 404, method: 'GET', path });

/** An in-memory stand-in for the few HubSpot calls the protocol makes. */
function fakeHubSpot() {
  const records = new Map<string, { type: string; properties: Record<string, string | null> }>();
  const associated = new Map<string, string[]>();
  /** Parents whose association listing answers 404 (an unknown route, say). */
  const listing404 = new Set<string>();
  /** Records whose read by id answers 404 (really gone). */
  const gone = new Set<string>();
  let next = 1;
  const objects = (type: string) => ({
    get: async (id: string) => {
      if (gone.has(id) || !records.has(id)) throw notFound(`/crm/objects/${type}/${id}`);
      return { id, properties: records.get(id)?.properties ?? {} };
    },
    batchRead: async (ids: readonly string[]) => ({ results: ids.filter((id) => records.get(id)?.type === type).map((id) => ({ id, properties: records.get(id)?.properties ?? {} })) }),
  });
  const hubspot = {
    contacts: objects('contacts'),
    companies: objects('companies'),
    tickets: objects('tickets'),
    notes: objects('notes'),
    associations: {
      async *list(fromType: string, fromId: string, toType: string) {
        if (listing404.has(fromId)) throw notFound(`/crm/associations/${fromType}/${fromId}/${toType}`);
        for (const id of associated.get(`${fromType}:${fromId}:${toType}`) ?? []) yield { toObjectId: id };
      },
    },
  } as unknown as HubSpotClient;
  const seed = (type: string, properties: Record<string, string | null> = {}) => {
    const id = String(next++);
    records.set(id, { type, properties });
    return id;
  };
  /** A note made on the contact, as HubSpot's create with an inline association does. */
  const createNote = (contactId: string, body: string) => {
    const id = seed('notes', { hs_note_body: body });
    const key = `contacts:${contactId}:notes`;
    associated.set(key, [...(associated.get(key) ?? []), id]);
    return id;
  };
  const notes = () => [...records.values()].filter((record) => record.type === 'notes');
  return { hubspot, seed, createNote, notes, listing404, gone };
}

/** The local store of one conversation: what survives a crash is what was committed. */
function store() {
  return { pendingRef: null as string | null, committedId: null as string | null };
}

function steps(world: ReturnType<typeof fakeHubSpot>, local: ReturnType<typeof store>, contactId: string, reference: string, faults: { create?: 'lost_answer'; commit?: 'crash' } = {}) {
  const adopted: string[] = [];
  return {
    adopted,
    run: () =>
      createOnce({
        reference,
        pendingRef: local.pendingRef,
        find: () => findByReference(world.hubspot, { parents: [{ type: 'contacts', id: contactId }], objectType: 'notes', property: 'hs_note_body', reference }),
        markPending: async () => void (local.pendingRef = reference),
        create: async () => {
          const id = world.createNote(contactId, `transcript · ref ${reference}`);
          if (faults.create === 'lost_answer') throw new UpstreamError({ service: 'hubspot', kind: 'network', status: null, method: 'POST', path: '/crm/objects/notes' });
          return { id };
        },
        adopt: async (id) => void adopted.push(id),
        commit: async (id) => {
          if (faults.commit === 'crash') throw new Error('process killed before the local commit');
          local.committedId = id;
          local.pendingRef = null;
        },
      }),
  };
}

t.test('a crash between the create and the local commit: the rerun adopts the record, no second one', async (t) => {
  const world = fakeHubSpot();
  const contactId = world.seed('contacts');
  const local = store();
  await t.rejects(steps(world, local, contactId, 'ihz-ref-1', { commit: 'crash' }).run(), /process killed/);
  t.equal(local.pendingRef, 'ihz-ref-1', 'the reference was committed as pending before the create');
  t.equal(world.notes().length, 1, 'HubSpot has the note the first run made');

  const rerun = steps(world, local, contactId, 'ihz-ref-1');
  const result = await rerun.run();
  t.same(result.recovered, true, 'recovered, not created');
  t.equal(world.notes().length, 1, 'still one note');
  t.equal(local.committedId, result.id, 'the adopted note is committed');
  t.same(rerun.adopted, [result.id], 'brought up to date through adopt');
  t.equal(local.pendingRef, null, 'the pending reference is cleared');
});

t.test('a lost answer to the create: the rerun adopts the record HubSpot made', async (t) => {
  const world = fakeHubSpot();
  const contactId = world.seed('contacts');
  const local = store();
  await t.rejects(steps(world, local, contactId, 'ihz-ref-2', { create: 'lost_answer' }).run(), { name: 'UpstreamError' });
  t.equal(local.committedId, null, 'nothing committed');
  const result = await steps(world, local, contactId, 'ihz-ref-2').run();
  t.equal(result.recovered, true);
  t.equal(world.notes().length, 1, 'one note in HubSpot');
});

t.test('a pending reference that HubSpot does not have (the create never arrived): created once', async (t) => {
  const world = fakeHubSpot();
  const contactId = world.seed('contacts');
  world.createNote(contactId, 'an older note · ref ihz-ref-other');
  const local = store();
  local.pendingRef = 'ihz-ref-3';
  const result = await steps(world, local, contactId, 'ihz-ref-3').run();
  t.equal(result.recovered, false);
  t.equal(world.notes().length, 2, 'the new note next to the unrelated one');
});

t.test('no pending reference: no lookup, a create', async (t) => {
  const world = fakeHubSpot();
  const contactId = world.seed('contacts');
  // A note carrying the reference exists, but the store never committed it as pending: this run
  // did not start a create under it, so it does not look.
  world.createNote(contactId, 'ref ihz-ref-4');
  const local = store();
  const result = await steps(world, local, contactId, 'ihz-ref-4').run();
  t.equal(result.recovered, false);
  t.equal(world.notes().length, 2);
});

t.test('a 404 to the parent\'s associations that a read of the parent does not confirm: not gone, nothing created', async (t) => {
  const world = fakeHubSpot();
  const contactId = world.seed('contacts');
  const local = store();
  await t.rejects(steps(world, local, contactId, 'ihz-ref-5', { commit: 'crash' }).run());
  world.listing404.add(contactId);
  await t.rejects(steps(world, local, contactId, 'ihz-ref-5').run(), { name: 'UpstreamError', message: /associations/ }, 'the listing\'s 404 stands (the contact reads fine)');
  t.equal(world.notes().length, 1, 'no second note');
  t.equal(local.pendingRef, 'ihz-ref-5', 'still pending: a later run looks again');
});

t.test('a parent that is really gone (its read answers 404 too) has nothing to look through', async (t) => {
  const world = fakeHubSpot();
  const contactId = world.seed('contacts');
  const companyId = world.seed('companies');
  world.listing404.add(contactId);
  world.gone.add(contactId);
  t.equal(await findByReference(world.hubspot, { parents: [{ type: 'contacts', id: contactId }, { type: 'companies', id: companyId }], objectType: 'notes', property: 'hs_note_body', reference: 'x' }), undefined);
});

t.test('a reference is matched as a whole token: conversation 1234\'s record is not taken for conversation 123\'s', async (t) => {
  const { carriesReference } = await import('../../../src/integrations/hubspot/create-once.ts');
  t.equal(carriesReference('ref ihz-ticket-ab12-1234', 'ihz-ticket-ab12-123'), false, 'a longer id that starts with it');
  t.equal(carriesReference('ref xihz-ticket-ab12-123', 'ihz-ticket-ab12-123'), false, 'a longer token that ends with it');
  t.equal(carriesReference('ref ihz-ticket-ab12-123', 'ihz-ticket-ab12-123'), true);
  t.equal(carriesReference('<p>ref ihz-ticket-ab12-123</p>', 'ihz-ticket-ab12-123'), true, 'inside markup');
  t.equal(carriesReference('ihz-ticket-ab12-1234 and ihz-ticket-ab12-123.', 'ihz-ticket-ab12-123'), true, 'a later whole occurrence');
  t.equal(carriesReference(null, 'x'), false);

  const world = fakeHubSpot();
  const contactId = world.seed('contacts');
  const other = world.createNote(contactId, 'transcript · ref ihz-ref-1234');
  t.ok(other);
  const local = store();
  local.pendingRef = 'ihz-ref-123'; // this conversation's create was interrupted before HubSpot made anything
  const result = await steps(world, local, contactId, 'ihz-ref-123').run();
  t.not(result.id, other, 'the other conversation\'s record is not adopted');
  t.equal(world.notes().length, 2, 'this conversation gets its own');
});
