// A 404 is never taken for "the record was deleted" without reading that record (issue #14 item 16):
// a route the API version lacks answers 404 too, and taking that for a deleted record made crash
// recovery write a second note or ticket (and stage sync give up on a ticket). A proxy in front of
// the HubSpot simulator answers chosen calls with the simulator's own unknown-route 404; everything
// else passes through.
import Fastify from 'fastify';
import t, { type Test } from 'tap';
import { saveCapture } from '../../src/conversations/conversation-store.ts';
import { noteReference, writeNote, type NoteRequest } from '../../src/capture/write-note.ts';
import { UpstreamError } from '../../src/integrations/upstream-error.ts';
import { TICKET_STAGE_TASK } from '../../src/tickets/ticket-tasks.ts';
import { findTicketByReference } from '../../src/tickets/write-ticket.ts';
import { captureScenario } from '../helpers/capture-scenario.ts';
import { until } from '../helpers/until.ts';
import { setup, type Env } from '../integrations/hubspot/helpers.ts';

interface Block {
  method: string;
  path: RegExp;
}

/** Forwards to the simulator; a blocked call goes to a path the simulator does not serve instead. */
async function notFoundProxy(t: Test, target: string): Promise<{ url: string; blocked: Block[] }> {
  const blocked: Block[] = [];
  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.all('/*', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const hit = blocked.some((block) => block.method === request.method && block.path.test(path));
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'accept']) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const response = await fetch(`${target}${hit ? '/not-declared-here' : ''}${request.url}`, {
      method: request.method, headers, body: request.body instanceof Buffer && request.body.length > 0 ? new Uint8Array(request.body) : undefined,
    });
    reply.code(response.status).header('content-type', response.headers.get('content-type') ?? 'application/json');
    return reply.send(Buffer.from(await response.arrayBuffer()));
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  return { url, blocked };
}

async function world(t: Test) {
  const env = await setup(t, { auth: 'static' });
  const token = await env.storeStatic();
  const proxy = await notFoundProxy(t, env.sim.url);
  const hubspot = env.client({ baseUrl: proxy.url });
  const control = env.sim.sim.control;
  const contactId = control.seedRecord({ objectType: 'contacts', properties: { email: 'ana@acme.test' } });
  const liveNotes = () => control.records({ objectType: 'notes' });
  const archive = async (type: string, id: string) => {
    const response = await fetch(`${env.sim.url}/crm/objects/2026-09/${type}/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    t.equal(response.status, 204, `${type} ${id} deleted in HubSpot`);
  };
  return { env, hubspot, proxy, control, contactId, liveNotes, archive };
}

const noteRequest = (env: Env, contactId: string): NoteRequest => ({
  connectionId: env.connectionId, conversationId: 'conv-1', policy: 'update_existing', targets: { contactId, companyId: null }, ownerId: null,
  timestamp: Date.UTC(2026, 4, 1), render: (reference) => `<p>The transcript</p><p>ref ${reference}</p>`,
});

const isNotFound = (error: unknown) => error instanceof UpstreamError && error.kind === 'not_found';

t.test('crash recovery: a 404 from the associations read does not make a second note while the contact exists', async (t) => {
  const w = await world(t);
  const request = noteRequest(w.env, w.contactId);
  const reference = noteReference(w.env.connectionId, 'conv-1', 1);
  // The interrupted run: the reference committed, the note written, its answer lost.
  await saveCapture(w.env.db, w.env.connectionId, 'conv-1', { pending_ref: reference });
  const written = w.control.seedRecord({
    objectType: 'notes', properties: { hs_timestamp: '2026-05-01T00:00:00Z', hs_note_body: request.render(reference) },
    associations: [{ to: { id: w.contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }] }],
  });
  w.proxy.blocked.push({ method: 'POST', path: /^\/crm\/associations\/2026-09\/contacts\/notes\/batch\/read$/ });
  const deps = { db: w.env.db, hubspot: w.hubspot, now: () => Date.now() };

  await t.rejects(writeNote(deps, request), { name: 'UpstreamError' }, 'the 404 stands: the contact was read back and exists');
  t.same(w.liveNotes().map((note) => note.id), [written], 'no second note');

  w.proxy.blocked.length = 0;
  t.match(await writeNote(deps, request), { outcome: 'captured', recovered: true, noteId: written }, 'the retry finds the note through batch/read');
  t.equal(w.liveNotes().length, 1);
});

t.test("a 404 to the note's update makes a new note only once HubSpot says the note itself is gone", async (t) => {
  const w = await world(t);
  const request = noteRequest(w.env, w.contactId);
  const deps = { db: w.env.db, hubspot: w.hubspot, now: () => Date.now() };
  const first = await writeNote(deps, request);
  t.match(first, { outcome: 'captured', recovered: false });
  await saveCapture(w.env.db, w.env.connectionId, 'conv-1', { content_hash: 'the conversation changed since' });

  w.proxy.blocked.push({ method: 'PATCH', path: /^\/crm\/objects\/2026-09\/notes\// });
  const refused = await writeNote(deps, request).then(() => null, (error: unknown) => error);
  t.ok(isNotFound(refused), 'the 404 is the outcome, not a new note');
  t.same(w.liveNotes().map((note) => note.id), [first.noteId], 'the note was read back and exists: nothing new written');

  await w.archive('notes', first.noteId);
  const again = await writeNote(deps, request);
  t.match(again, { outcome: 'captured', recovered: false }, 'deleted for real (read back: 404): the conversation gets a new note');
  t.not(again.noteId, first.noteId);
  t.same(w.liveNotes().map((note) => note.id), [again.noteId]);
});

t.test('ticket recovery: a 404 reading the contact\'s tickets is an error unless the contact is gone', async (t) => {
  const w = await world(t);
  const reference = 'ihz-ticket-0000abcd-conv-1';
  const ticket = w.control.seedRecord({
    objectType: 'tickets', properties: { subject: 'Invoice', hs_pipeline_stage: '1', content: `text\n\nref ${reference}` },
    associations: [{ to: { id: w.contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 16 }] }],
  });
  const parents = { contactId: w.contactId, companyId: null };
  t.equal(await findTicketByReference(w.hubspot, parents, reference), ticket, 'found through batch/read');

  w.proxy.blocked.push({ method: 'POST', path: /\/batch\/read$/ });
  const refused = await findTicketByReference(w.hubspot, parents, reference).then(() => 'no error', (error: unknown) => error);
  t.ok(isNotFound(refused), 'not "no ticket": a create would follow that');

  await w.archive('contacts', w.contactId);
  t.equal(await findTicketByReference(w.hubspot, parents, reference), undefined, 'a contact that is gone (read back: 404) has no tickets to look through');
});

t.test("stage sync: a 404 to the ticket's update does not stop the ticket's sync while HubSpot still has the ticket", async (t) => {
  const s = await captureScenario(t);
  await s.setSettings((settings) => {
    settings.conversations.routing.defaultDestinations = ['contact', 'company', 'ticket'];
    settings.conversations.guards.minDurationMinutes = 0;
  });
  const { conversationId } = s.conversation({ close: false, spacingMs: 0 });
  const pushed = await s.push(conversationId, { force: true });
  t.match(pushed.body, { ticket: { outcome: 'created', stage: 'New' } });
  const ticketId = String(pushed.body?.ticket.ticketId);

  // The daemon now reaches HubSpot through the proxy, which answers the ticket's update with a 404.
  const proxy = await notFoundProxy(t, `${s.server.url}/sandbox/hubspot`);
  proxy.blocked.push({ method: 'PATCH', path: /^\/crm\/objects\/2026-09\/tickets\// });
  const db = s.server.daemon.db;
  await db.kysely.updateTable('connections').set({ hubspot_base_url: proxy.url }).where('id', '=', s.connectionId).execute();
  s.intercom.control.actAsAdmin.close({ conversationId, adminId: s.adminId });
  const closeSync = await s.server.daemon.jobs.enqueue({ task: TICKET_STAGE_TASK, payload: { conversationId }, connectionId: s.connectionId });
  const stageJobs = () => db.kysely.selectFrom('jobs').select(['id', 'status', 'last_error']).where('task', '=', TICKET_STAGE_TASK).orderBy('id').execute();
  await until('the stage syncs to end', async () => {
    const rows = await stageJobs();
    return rows.length > 0 && rows.every((row) => row.status === 'failed' || row.status === 'succeeded');
  }, { timeoutMs: 20_000 });

  // The sync enqueued after the close, not the first stage job: the simulator's heartbeat delivers the
  // conversation's own webhooks meanwhile, and one landing after the push made the ticket syncs a
  // conversation still open (the ticket already at New: nothing to update, it succeeds).
  t.match((await stageJobs()).find((row) => row.id === closeSync.id), { status: 'failed', last_error: /PATCH \/crm\/objects\/2026-09\/tickets\/\d+ failed with 404/ }, 'the 404 is the visible failure');
  const link = await db.kysely.selectFrom('ticket_links').select('status').where('conversation_id', '=', conversationId).executeTakeFirst();
  t.equal(link?.status, 'active', 'the link is not marked deleted: the ticket was read back and exists');
  const detail = await s.api('GET', `/api/connections/${s.connectionId}`);
  t.notOk((detail.body?.warnings as string[] | undefined)?.some((warning) => /was deleted/.test(warning)), 'no "ticket deleted" warning');
  t.ok(s.hubspot.control.record({ hubId: s.hubId, objectType: 'tickets', id: ticketId }), 'the ticket is in HubSpot');
});
