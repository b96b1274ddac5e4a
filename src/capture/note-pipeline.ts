// The note pipeline: the transcript note of a conversation whose records the shared first step
// resolved (src/conversations/resolve-records.ts), on its contact, company and ticket; and short
// reference notes on the other customers' contacts. A dry run goes through the same steps with a
// writer that records what it would write (planNote) instead of writing, so the two cannot disagree.
import type { IntercomConversation } from '../integrations/intercom/conversations.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import { StaleLinkError, type Decided, type ReferenceNote, type TicketDecision } from '../conversations/conversation-run.ts';
import { forgetHubSpotRecord } from '../conversations/conversation-store.ts';
import { describeGuards } from '../conversations/guards.ts';
import { matchContact, pairedMatch } from '../conversations/match-records.ts';
import { contactFollowingMerges, type Customer } from '../conversations/resolve-customer.ts';
import { conversationUrl, type RecordDecision, type ResolvedConversation } from '../conversations/resolve-records.ts';
import { escapeHtml } from './sanitize-html.ts';
import { captureOccasion } from './capture-occasion.ts';
import { renderTranscript, type Person } from './transcript.ts';
import { planNote, writeNote, type NoteDeps, type NoteOutcome, type NoteRequest } from './write-note.ts';

interface WrittenNote {
  outcome: NoteOutcome['outcome'];
  /** Null in a dry run where a new note would be made. */
  noteId: string | null;
  reference: string;
}

/** Writes notes, or (a dry run) records what it would write. */
export interface NoteWriter {
  readonly dryRun: boolean;
  write(request: NoteRequest): Promise<WrittenNote>;
  /** Puts a note on the ticket's timeline (a PUT: safe to repeat). */
  attachToTicket(noteId: string, ticketId: string): Promise<void>;
}

export const noteWriter = (deps: NoteDeps): NoteWriter => ({
  dryRun: false,
  write: (request) => writeNote(deps, request),
  attachToTicket: async (noteId, ticketId) => void (await deps.hubspot.associations.createDefault('notes', noteId, 'tickets', ticketId)),
});

/** The dry run's writer: writeNote's decision (planNote), nothing written. */
export function recordingNoteWriter(deps: NoteDeps): NoteWriter & { recorded: Array<{ write: NoteRequest } | { attach: [string, string] }> } {
  const recorded: Array<{ write: NoteRequest } | { attach: [string, string] }> = [];
  return {
    dryRun: true,
    recorded,
    write: (request) => {
      recorded.push({ write: request });
      return planNote(deps, request);
    },
    attachToTicket: async (noteId, ticketId) => void recorded.push({ attach: [noteId, ticketId] }),
  };
}

/**
 * Names and emails of the people in a conversation, from the authors Intercom sends with it; the
 * customer's as the contact read from Intercom has them, when it was read (resolve-customer.ts).
 */
function peopleOf(conversation: IntercomConversation, contact: Customer | null) {
  const contacts = new Map<string, Person>();
  const admins = new Map<string, Person>();
  const authors = [conversation.source?.author, ...conversation.parts.map((part) => part.author)];
  for (const author of authors) {
    if (!author?.id) continue;
    const person = { name: author.name, email: author.email };
    if (author.type === 'admin') admins.set(author.id, person);
    else if (author.type === 'user' || author.type === 'lead' || author.type === 'contact') contacts.set(author.id, person);
  }
  if (contact) contacts.set(contact.id, { name: contact.name, email: contact.email });
  return { contacts, admins };
}

/** Where the note sits on the timeline: the close, else the last update. */
const noteTimestamp = (conversation: IntercomConversation) => (conversation.statistics?.last_close_at ?? conversation.updated_at) * 1000;

/**
 * A record the run would create has no id in a dry run, but it is a new target all the same, so it
 * must not compare equal to what the stored note has. (In a real run a created record has its id.)
 */
const target = (wanted: boolean, id: string | null, created: boolean | undefined, what: string) => (wanted ? (id ?? (created ? `(new ${what})` : null)) : null);

export async function notePipeline(input: { resolved: ResolvedConversation; ticket: TicketDecision | undefined; writer: NoteWriter; noteDeps: NoteDeps; trigger: Decided['trigger']; force: boolean }): Promise<Decided> {
  const { resolved, ticket, writer } = input;
  const { row, settings, conversation, contact, contactMatch, companyMatch, routed, records, ownerId } = resolved;
  const conversationId = conversation.id;
  const decided = { conversationId, trigger: input.trigger, ...routed, ...records, ...(ticket ? { ticket } : {}), ownerId };
  const targets = {
    contactId: target(routed.destinations.includes('contact'), contactMatch.id, contactMatch.created, 'contact'),
    companyId: target(routed.destinations.includes('company'), companyMatch?.id ?? null, companyMatch?.created, 'company'),
    ticketId: ticket ? target(true, ticket.ticketId, ticket.outcome === 'planned', 'ticket') : null,
  };
  if (!targets.contactId && !targets.companyId && !targets.ticketId) {
    return { ...decided, ownerId: null, outcome: 'skipped', reason: contactMatch.skipped ?? companyMatch?.skipped ?? ticket?.problem ?? 'no HubSpot record to attach the note to' };
  }

  const { contacts, admins } = peopleOf(conversation, contact);
  const render = (reference: string, occasion: string | null = captureOccasion(input.trigger)) =>
    renderTranscript({
      conversation, contacts, admins,
      conversationUrl: conversationUrl(row, conversationId),
      timeZone: settings.timeZone,
      content: settings.conversations.content,
      footer: { occasion, reference },
    });
  const request: NoteRequest = {
    connectionId: row.id, conversationId, policy: settings.conversations.notePolicy, targets, ownerId, timestamp: noteTimestamp(conversation),
    render: (reference) => render(reference).html,
    comparable: () => render('', null).html,
  };

  const note = await writeOrForgetStaleLinks(input.noteDeps, row.id, records, writer, request);
  // A note written before the conversation had its ticket joins it.
  if (targets.ticketId && note.noteId && note.outcome !== 'captured' && ticket?.outcome !== 'existing') await writer.attachToTicket(note.noteId, targets.ticketId);
  if (writer.dryRun) {
    // What would be written, shown to the caller; the reference notes are not planned (a dry run
    // answers for the conversation's own note).
    const transcript = render(note.reference);
    return {
      ...decided, outcome: note.outcome, ...(note.noteId ? { noteId: note.noteId } : {}),
      ...(note.outcome === 'unchanged' ? {} : { preview: { noteHtml: transcript.html, noteChars: transcript.html.length, partsShown: transcript.partsShown, partsCutForSize: transcript.partsCutForSize, cappedByIntercom: transcript.cappedByIntercom } }),
    };
  }
  const noteFacts = {
    reference: note.reference, mode: settings.conversations.capture.mode, notePolicy: settings.conversations.notePolicy,
    guards: input.force ? 'bypassed (forced push)' : describeGuards(settings.conversations.guards),
  };
  const referenceNotes = settings.conversations.content.referenceNotesForParticipants
    ? await writeReferenceNotes(resolved, writer, targets.contactId)
    : [];
  // For the close-to-note time (src/metrics): only a note written after the conversation closed, and
  // not by a backfill, whose conversations closed days or months ago (src/backfills).
  const lastCloseAt = conversation.state === 'closed' && input.trigger !== 'backfill' ? conversation.statistics?.last_close_at : undefined;
  const closedAt = lastCloseAt && (note.outcome === 'captured' || note.outcome === 'updated') ? { closedAt: lastCloseAt * 1000 } : {};
  return { ...decided, outcome: note.outcome, ...(note.noteId ? { noteId: note.noteId } : {}), note: noteFacts, ...(referenceNotes.length > 0 ? { referenceNotes } : {}), ...closedAt };
}

/**
 * The other customers of a conversation get a short note pointing at the transcript, each written
 * once (tracked as `<conversation>/ref/<intercom contact>` in conversation_captures).
 */
async function writeReferenceNotes(resolved: ResolvedConversation, writer: NoteWriter, transcriptContactId: string | null): Promise<ReferenceNote[]> {
  const { conversation, row, settings } = resolved;
  const others = (conversation.contacts?.contacts ?? []).map((entry) => entry.id).filter((id) => id !== resolved.contact.id);
  const written: ReferenceNote[] = [];
  for (const intercomContactId of others) {
    // A paired participant is not read again (#19 item 2): the note names ids only.
    const known = await pairedMatch(resolved.matchDeps.db, row.id, 'contact', intercomContactId);
    const participant = known ? { id: intercomContactId, match: known } : await readAndMatch(resolved, intercomContactId);
    const { match } = participant;
    if (!match.id) {
      written.push({ intercomContactId, contactId: null, noteId: null, skipped: match.skipped ?? 'no match' });
      continue;
    }
    const subject = conversation.title || conversation.source?.subject || `Intercom conversation ${conversation.id}`;
    const url = conversationUrl(row, conversation.id);
    const note = await writer.write({
      connectionId: row.id,
      conversationId: `${conversation.id}/ref/${participant.id}`,
      policy: 'update_existing',
      targets: { contactId: match.id, companyId: null },
      ownerId: resolved.ownerId,
      timestamp: noteTimestamp(conversation),
      render: (reference) =>
        `<p>Took part in the Intercom conversation “${escapeHtml(subject)}”. ` +
        `${transcriptContactId ? `The transcript is on HubSpot contact ${escapeHtml(transcriptContactId)}. ` : ''}` +
        `<a href="${escapeHtml(url)}" rel="noopener noreferrer" target="_blank">Open in Intercom</a></p>` +
        `<p><small>Added by Interhubz because this contact took part in the conversation · ref ${escapeHtml(reference)}</small></p>`,
    });
    written.push({ intercomContactId, contactId: match.id, noteId: note.noteId });
  }
  return written;
}

async function readAndMatch(resolved: ResolvedConversation, intercomContactId: string) {
  const read = await contactFollowingMerges(resolved.intercom, intercomContactId, null);
  return { id: read.id, match: await matchContact(resolved.matchDeps, read, resolved.settings.matching.contacts) };
}

/**
 * HubSpot refuses a note whose associations name a record that is gone. When the record came from
 * a remembered link, the link is forgotten and the capture matches afresh (once); otherwise the
 * vendor's refusal stands.
 */
async function writeOrForgetStaleLinks(deps: NoteDeps, connectionId: string, records: { contact: RecordDecision; company?: RecordDecision }, writer: NoteWriter, request: NoteRequest): Promise<WrittenNote> {
  try {
    return await writer.write(request);
  } catch (error) {
    const invalidAssociation = error instanceof UpstreamError && error.kind === 'invalid_request' && /associations are invalid/i.test(error.details.vendorMessage ?? error.message);
    const candidates: Array<['contact' | 'company', RecordDecision | undefined]> = [['contact', records.contact], ['company', records.company]];
    const linked = candidates.filter((entry): entry is ['contact' | 'company', RecordDecision] => entry[1]?.how === 'linked' && entry[1].id !== null);
    if (!invalidAssociation || linked.length === 0) throw error;
    for (const [type, record] of linked) await forgetHubSpotRecord(deps.db, connectionId, type, record.id as string);
    throw new StaleLinkError(`HubSpot no longer has ${linked.map(([type, record]) => `${type} ${record.id}`).join(' or ')}; matching again`);
  }
}
