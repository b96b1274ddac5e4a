// Writes a conversation's transcript note exactly once (DESIGN.md §2, invariant 2).
//
// The note carries its reference in its footer; the write-once protocol (pending reference committed
// before the create, adopted by the rerun) is src/integrations/hubspot/create-once.ts's.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ConversationCaptureRow, Database } from '../db/schema.ts';
import type { InlineAssociation, Properties } from '../integrations/hubspot/calls/objects.ts';
import type { HubSpotClient } from '../integrations/hubspot/client.ts';
import { createOnce, findByReference, type ParentType } from '../integrations/hubspot/create-once.ts';
import { confirmedGone, isNotFound } from '../integrations/hubspot/record-gone.ts';
import { getCapture, saveCapture } from '../conversations/conversation-store.ts';

/** note → contact 202, note → company 190, note → ticket 228 (hubspot-api.md §9, §11.3). */
const NOTE_ASSOCIATION_TYPE = { contact: 202, company: 190, ticket: 228 } as const;

type NotePolicy = 'update_existing' | 'always_new';

interface NoteTargets {
  contactId: string | null;
  companyId: string | null;
  /** The conversation's ticket: the note is on its timeline too. */
  ticketId?: string | null;
}

export interface NoteRequest {
  connectionId: string;
  conversationId: string;
  policy: NotePolicy;
  targets: NoteTargets;
  ownerId: string | null;
  /** Where the note sits on the timeline (epoch ms). */
  timestamp: number;
  /** Renders the note body carrying the given reference (it goes into the footer). */
  render(reference: string): string;
  /**
   * The body as compared with the note already written, when it differs from `render('')`: the
   * transcript's footer says which trigger wrote it, and a sweep or a push of a conversation that
   * has not changed since its close was captured must still find the note unchanged.
   */
  comparable?(): string;
}

export type NoteOutcome =
  | { outcome: 'captured'; noteId: string; recovered: boolean; reference: string }
  | { outcome: 'updated'; noteId: string; reference: string }
  | { outcome: 'unchanged'; noteId: string; reference: string };

export interface NoteDeps {
  db: Kysely<Database>;
  hubspot: HubSpotClient;
  now: () => number;
}

/**
 * The n-th note of a conversation gets the n-th reference: a rerun after a crash computes the same
 * reference (the count only moves when a note's id is committed), a deliberate new note a new one.
 */
export function noteReference(connectionId: string, conversationId: string, n: number): string {
  const connection = createHash('sha256').update(connectionId).digest('hex').slice(0, 8);
  return `ihz-${connection}-${conversationId}-${n}`;
}

/** What was written, whatever the reference: the same conversation rendered again hashes the same. */
const contentHash = (request: NoteRequest) =>
  createHash('sha256').update(JSON.stringify([request.comparable?.() ?? request.render(''), request.ownerId, request.targets, request.timestamp])).digest('hex');

function noteProperties(request: NoteRequest, body: string): Properties {
  return {
    hs_timestamp: new Date(request.timestamp).toISOString(),
    hs_note_body: body,
    ...(request.ownerId ? { hubspot_owner_id: request.ownerId } : {}),
  };
}

function associations(targets: NoteTargets): InlineAssociation[] {
  const out: InlineAssociation[] = [];
  if (targets.contactId) out.push({ to: { id: targets.contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_ASSOCIATION_TYPE.contact }] });
  if (targets.companyId) out.push({ to: { id: targets.companyId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_ASSOCIATION_TYPE.company }] });
  if (targets.ticketId) out.push({ to: { id: targets.ticketId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_ASSOCIATION_TYPE.ticket }] });
  return out;
}

/** A note carrying `reference`, among the notes associated with the targets. */
function findNoteByReference(hubspot: HubSpotClient, targets: NoteTargets, reference: string): Promise<string | undefined> {
  const parents: Array<{ type: ParentType; id: string }> = [];
  if (targets.contactId) parents.push({ type: 'contacts', id: targets.contactId });
  if (targets.companyId) parents.push({ type: 'companies', id: targets.companyId });
  if (targets.ticketId) parents.push({ type: 'tickets', id: targets.ticketId });
  return findByReference(hubspot, { parents, objectType: 'notes', property: 'hs_note_body', reference });
}

/** What writeNote does first, from the stored capture alone: nothing, update the note it has, or create one. */
function firstStep(capture: ConversationCaptureRow | undefined, policy: NotePolicy, hash: string): 'unchanged' | 'update' | 'create' {
  // Either policy: a conversation that has not changed since its note was written writes nothing.
  if (capture?.note_id && capture.content_hash === hash) return 'unchanged';
  return policy === 'update_existing' && capture?.note_id ? 'update' : 'create';
}

export interface NotePlan {
  outcome: NoteOutcome['outcome'];
  /** The note that stays or is updated; null when a new one would be made. */
  noteId: string | null;
  reference: string;
}

/**
 * What writeNote would do, writing nothing (a dry run): the same first step, and for an update the
 * same check writeNote makes when its update answers 404 — is the note still there?
 */
export async function planNote(deps: NoteDeps, request: NoteRequest): Promise<NotePlan> {
  const { connectionId, conversationId } = request;
  const capture = await getCapture(deps.db, connectionId, conversationId);
  const created = capture?.notes_created ?? 0;
  const step = firstStep(capture, request.policy, contentHash(request));
  const noteId = capture?.note_id ?? null;
  if (step === 'unchanged') return { outcome: 'unchanged', noteId, reference: noteReference(connectionId, conversationId, created) };
  if (step === 'update' && noteId) {
    const gone = await deps.hubspot.notes.get(noteId).then(() => false, (error: unknown) => (isNotFound(error) ? true : Promise.reject(error)));
    if (!gone) return { outcome: 'updated', noteId, reference: noteReference(connectionId, conversationId, created) };
  }
  return { outcome: 'captured', noteId: null, reference: noteReference(connectionId, conversationId, created + 1) };
}

export async function writeNote(deps: NoteDeps, request: NoteRequest): Promise<NoteOutcome> {
  const { connectionId, conversationId } = request;
  const capture = await getCapture(deps.db, connectionId, conversationId);
  const created = capture?.notes_created ?? 0;
  const hash = contentHash(request);
  const step = firstStep(capture, request.policy, hash);

  if (step === 'unchanged' && capture?.note_id) {
    return { outcome: 'unchanged', noteId: capture.note_id, reference: noteReference(connectionId, conversationId, created) };
  }
  if (step === 'update' && capture?.note_id) {
    const reference = noteReference(connectionId, conversationId, created);
    const body = request.render(reference);
    try {
      await deps.hubspot.notes.update(capture.note_id, noteProperties(request, body));
      await saveCapture(deps.db, connectionId, conversationId, { content_hash: hash, captured_at: deps.now() });
      return { outcome: 'updated', noteId: capture.note_id, reference };
    } catch (error) {
      // Deleted by a person in HubSpot (read back to be sure): the conversation gets a new note below.
      if (!(await confirmedGone(deps.hubspot.notes, capture.note_id, error))) throw error;
    }
  }

  const reference = noteReference(connectionId, conversationId, created + 1);
  const body = request.render(reference);
  const properties = noteProperties(request, body);
  const note = await createOnce({
    reference,
    pendingRef: capture?.pending_ref,
    find: () => findNoteByReference(deps.hubspot, request.targets, reference),
    markPending: () => saveCapture(deps.db, connectionId, conversationId, { pending_ref: reference }),
    create: () => deps.hubspot.notes.create({ properties, associations: associations(request.targets) }),
    // It holds what the interrupted run wrote; bring it up to what this run would write.
    adopt: (noteId) => deps.hubspot.notes.update(noteId, properties).then(() => undefined),
    commit: (noteId) =>
      saveCapture(deps.db, connectionId, conversationId, {
        note_id: noteId, content_hash: hash, pending_ref: null, notes_created: created + 1, captured_at: deps.now(),
        contact_id: request.targets.contactId, company_id: request.targets.companyId,
      }),
  });
  return { outcome: 'captured', noteId: note.id, recovered: note.recovered, reference };
}
