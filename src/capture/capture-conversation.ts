// Capturing one conversation (DESIGN.md §2's handler): fetch it fresh from Intercom, decide with
// pure functions (guards, routing, transcript), find the HubSpot records, write the note once, and
// record the decision in the activity log. The job task, API Push and the UI's push all come here.
import type { Kysely } from 'kysely';
import { parseStoredSettings, type ConnectionSettings, type Destination, type TicketPolicy } from '../config/connection-settings.ts';
import type { ConnectionClients } from '../connections/clients.ts';
import { getConnection } from '../db/repos/connections.ts';
import type { ConnectionRow, Database } from '../db/schema.ts';
import { recordActivity } from '../activity/activity-log.ts';
import { countCalls, noCalls, type CallCount } from '../integrations/call-count.ts';
import type { IntercomClient } from '../integrations/intercom/client.ts';
import type { IntercomConversation } from '../integrations/intercom/conversations.ts';
import type { IntercomCompany, IntercomContact } from '../integrations/intercom/schemas.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import { forgetHubSpotRecord, saveCapture } from './capture-store.ts';
import { checkGuards, describeGuards, type GuardName } from './guards.ts';
import type { KeyedLock } from './keyed-lock.ts';
import { associateContactWithCompany, matchCompany, matchContact, type Matched } from './match-records.ts';
import type { MatchKeyHasher } from '../matching/match-key.ts';
import { routeConversation } from './routing.ts';
import { conversationState } from '../tickets/stage-sync.ts';
import { ticketProperties } from '../tickets/ticket-content.ts';
import { resolveTicketPipeline, TICKET_PERMISSION_WARNING, TicketSettingsError, type TicketPipelineDeps } from '../tickets/ticket-pipeline.ts';
import { raiseWarning } from '../tickets/ticket-store.ts';
import { ensureTicket, planTicket } from '../tickets/write-ticket.ts';
import { escapeHtml } from './sanitize-html.ts';
import { renderTranscript, type Person } from './transcript.ts';
import { planNote, writeNote } from './write-note.ts';
import { closeWindow } from './triggers.ts';
import { RetryAfterError } from '../jobs/outcomes.ts';

/** Closed again since the job was scheduled: the capture waits for the last close's grace window (no attempt used). */
export class CloseWindowOpenError extends RetryAfterError {
  constructor(delayMs: number, until: string) {
    super(delayMs, `closed again since this capture was scheduled; it waits for the grace window of the last close (until ${until})`);
    this.name = 'CloseWindowOpenError';
  }
}

export const CAPTURE_TRIGGERS = ['on_close', 'realtime', 'rolling', 'sweep', 'manual', 'api', 'ui', 'first_message'] as const;
export type CaptureTrigger = (typeof CAPTURE_TRIGGERS)[number];

export interface CaptureOptions {
  trigger: CaptureTrigger;
  /** Bypass the noise guards and the "closed" check (API Push `force`). */
  force?: boolean;
  /** Decide and match, but write nothing (API Push `dryRun`). */
  dryRun?: boolean;
  /** Make the conversation's ticket only, no note, ignoring the guards (tickets.createWhen: first_customer_message). */
  ticketOnly?: boolean;
  /**
   * Whether a failure is the last word (no retry follows): then it goes to the activity log with
   * the vendor's message. A job's transient failure is retried and logged only when it gives up.
   */
  isFinal(error: unknown): boolean;
}

export interface CaptureDeps {
  db: Kysely<Database>;
  clients: ConnectionClients;
  locks: KeyedLock;
  now: () => number;
  /** The HubSpot owner for an Intercom teammate (user mapping), or null. */
  ownerFor(connectionId: string, adminId: string | null): Promise<string | null>;
  /** The ticket pipeline check (live pipelines, warnings). */
  tickets: TicketPipelineDeps;
  /** Match keys as record_links stores them: keyed hashes (src/matching/match-key.ts). */
  matchKeys: MatchKeyHasher;
}

export interface RecordDecision {
  id: string | null;
  how: Matched['how'];
  created: boolean;
  skipped?: string;
  tieBreak?: string;
}

export interface CaptureResult {
  /** A dry run answers 'planned' where the push would write (captured or updated), else what the push would answer. */
  outcome: 'captured' | 'updated' | 'unchanged' | 'skipped' | 'planned';
  /** Only for a dry run: the outcome the push that follows it would answer, whatever it is. */
  wouldBe?: Exclude<CaptureResult['outcome'], 'planned'>;
  conversationId: string;
  trigger: CaptureTrigger;
  /** Why it was skipped: a sentence naming the guard, rule or policy. */
  reason?: string;
  guard?: GuardName;
  rule?: string | null;
  destinations: Destination[];
  contact?: RecordDecision;
  company?: RecordDecision;
  ownerId: string | null;
  noteId?: string;
  /** Short notes on the other customers' contacts (content.referenceNotesForParticipants). */
  referenceNotes?: ReferenceNote[];
  ticket?: TicketDecision;
  /** Only for a dry run: exactly what would be written. */
  preview?: { noteHtml: string; noteChars: number; partsShown: number; partsCutForSize: number; cappedByIntercom: boolean };
  apiCalls: CallCount;
  durationMs: number;
}

export interface ReferenceNote {
  intercomContactId: string;
  contactId: string | null;
  noteId: string | null;
  skipped?: string;
}

export type RefusalCode = 'unknown_connection' | 'connection_paused' | 'needs_reauth' | 'not_connected' | 'unknown_conversation';

/** The capture cannot start; API Push answers with the status, a job ends without retrying. */
export class CaptureRefusedError extends Error {
  override name = 'CaptureRefusedError';
  readonly code: RefusalCode;
  readonly status: 404 | 409;

  constructor(code: RefusalCode, status: 404 | 409, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

function checkConnection(row: ConnectionRow | undefined, connectionId: string): ConnectionRow {
  if (!row) throw new CaptureRefusedError('unknown_connection', 404, `There is no connection ${connectionId}.`);
  if (row.status === 'paused') throw new CaptureRefusedError('connection_paused', 409, `The connection '${row.name}' is paused: resume it to capture conversations.`);
  if (row.status === 'needs_reauth') throw new CaptureRefusedError('needs_reauth', 409, `The connection '${row.name}' needs re-authorising before it can capture.`);
  if (row.status !== 'active' || row.intercom_workspace_id === null || row.hubspot_portal_id === null) {
    throw new CaptureRefusedError('not_connected', 409, `The connection '${row.name}' is not connected to both Intercom and HubSpot yet.`);
  }
  return row;
}

const INBOX_HOST = { us: 'app.intercom.com', eu: 'app.eu.intercom.com', au: 'app.au.intercom.com' } as const;

/** The conversation in Intercom's inbox (the region's app host). */
export const conversationUrl = (row: ConnectionRow, conversationId: string) =>
  `https://${INBOX_HOST[row.intercom_region]}/a/inbox/${encodeURIComponent(row.intercom_workspace_id ?? '')}/inbox/conversation/${encodeURIComponent(conversationId)}`;

/** Names and emails of the people in a conversation, from the authors Intercom sends with it. */
function peopleOf(conversation: IntercomConversation, contact: IntercomContact | null) {
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

interface Decided {
  result: Omit<CaptureResult, 'apiCalls' | 'durationMs'>;
}

async function decideAndWrite(deps: CaptureDeps, row: ConnectionRow, settings: ConnectionSettings, conversationId: string, options: CaptureOptions): Promise<Decided> {
  const intercom = deps.clients.intercom(row);
  const hubspot = deps.clients.hubspot(row);
  const base = { conversationId, trigger: options.trigger, ownerId: null, destinations: [] as Destination[] };
  const skip = (reason: string, extra: Partial<CaptureResult> = {}): Decided => ({ result: { ...base, outcome: 'skipped', reason, ...extra } });

  let conversation: IntercomConversation;
  try {
    conversation = await intercom.getConversation(conversationId);
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'not_found') {
      throw new CaptureRefusedError('unknown_conversation', 404, `Intercom has no conversation ${conversationId} in this workspace.`);
    }
    throw error;
  }

  // on_close decides from the conversation as it is now, not from the event that scheduled the job
  // (events come late and out of order): closed, and for a whole grace window since its last close.
  const capture = settings.conversations.capture;
  if (!options.force && (options.trigger === 'on_close' || (options.trigger === 'sweep' && capture.mode === 'on_close'))) {
    const lastCloseAt = conversation.statistics?.last_close_at;
    const window = closeWindow({ state: conversation.state, lastCloseAt: lastCloseAt ? lastCloseAt * 1000 : null, graceMinutes: capture.graceMinutes, now: deps.now() });
    if (window.kind === 'not_closed') return skip('the conversation is open again; it is captured at its next close');
    if (window.kind === 'wait') throw new CloseWindowOpenError(window.until - deps.now(), new Date(window.until).toISOString());
  }
  if (!options.force && !options.ticketOnly) {
    const verdict = checkGuards(conversation, settings.conversations.guards);
    if (!verdict.pass) return skip(verdict.reason, { guard: verdict.guard });
  }
  const route = routeConversation(conversation, settings.conversations.routing);
  const routed = { rule: route.rule, destinations: route.destinations };
  if (route.destinations.length === 0) return skip(route.reason, routed);
  const wantsTicket = route.destinations.includes('ticket');
  const ticketPolicy = route.ticketPolicy ?? settings.tickets.policy;
  if (options.ticketOnly && (!wantsTicket || ticketPolicy === 'none')) return skip(wantsTicket ? 'tickets are off (tickets.policy: none)' : 'the route makes no ticket for this conversation', routed);

  const contactId = conversation.contacts?.contacts[0]?.id;
  if (!contactId) return skip('the conversation has no customer contact', routed);
  const contact = await contactFollowingMerges(intercom, contactId, conversation.source?.author?.email);
  const companyRef = contact.companies?.data?.[0]?.id;
  const wantsCompany = route.destinations.includes('company') || wantsTicket;
  const company: IntercomCompany | null = wantsCompany && companyRef ? await intercom.getCompany(companyRef) : null;

  const matchDeps = { db: deps.db, hubspot, locks: deps.locks, connectionId: row.id, now: deps.now, dryRun: options.dryRun === true, matchKeys: deps.matchKeys };
  const contactMatch = await matchContact(matchDeps, contact, settings.matching.contacts);
  const companyMatch = company
    ? await matchCompany(matchDeps, { company, contactEmail: contact.email, contactId: contactMatch.id }, settings.matching.companies, settings.matching.contacts.email)
    : null;
  // Until HubSpot has confirmed this pair's association (a company made just now carried it in its
  // create), it is asked for: a call that failed or a crash cut off is made again on the rerun.
  if (settings.matching.companies.associateContact && contactMatch.id && companyMatch?.id) await associateContactWithCompany(matchDeps, contactMatch.id, companyMatch.id);

  const records = {
    contact: decision(contactMatch),
    ...(companyMatch ? { company: decision(companyMatch) } : {}),
  };
  const ownerId = await deps.ownerFor(row.id, conversation.admin_assignee_id ?? null);

  let ticket: TicketDecision | undefined;
  if (wantsTicket) {
    ticket = await decideTicket({
      deps, row, hubspot, settings, conversation, policy: ticketPolicy, dryRun: options.dryRun === true,
      contactId: contactMatch.id, companyId: companyMatch?.id ?? null, ownerId,
      customer: contact.name || contact.email || `Intercom contact ${contact.id}`, company: company?.name ?? '',
    });
  }
  if (options.ticketOnly && ticket) {
    return { result: { ...base, ...routed, ...records, ownerId, ticket, outcome: TICKET_ONLY_OUTCOME[ticket.outcome], ...(ticket.problem ? { reason: ticket.problem } : {}) } };
  }

  const targets = {
    contactId: route.destinations.includes('contact') ? contactMatch.id : null,
    companyId: route.destinations.includes('company') ? (companyMatch?.id ?? null) : null,
    ticketId: ticket?.ticketId ?? null,
  };
  const willCreate = (route.destinations.includes('contact') && contactMatch.created) || (route.destinations.includes('company') && companyMatch?.created === true) || ticket?.outcome === 'planned';
  if (!targets.contactId && !targets.companyId && !targets.ticketId && !(options.dryRun && willCreate)) {
    return skip(contactMatch.skipped ?? companyMatch?.skipped ?? ticket?.problem ?? 'no HubSpot record to attach the note to', { ...routed, ...records, ...(ticket ? { ticket } : {}) });
  }

  const { contacts, admins } = peopleOf(conversation, contact);
  const render = (reference: string) =>
    renderTranscript({
      conversation, contacts, admins,
      conversationUrl: conversationUrl(row, conversationId),
      timeZone: settings.timeZone,
      content: settings.conversations.content,
      footer: { mode: settings.conversations.capture.mode, guards: options.force ? 'bypassed (forced push)' : describeGuards(settings.conversations.guards), policy: settings.conversations.notePolicy, reference },
    });
  const decided = { ...base, ...routed, ...records, ...(ticket ? { ticket } : {}), ownerId };

  const noteDeps = { db: deps.db, hubspot, now: deps.now };
  const noteRequest = { connectionId: row.id, conversationId, policy: settings.conversations.notePolicy, targets, ownerId, timestamp: noteTimestamp(conversation), render: (reference: string) => render(reference).html };

  if (options.dryRun) {
    // The note's decision as writeNote makes it. A record the push would create has no id yet, but
    // it is a new target all the same, so it must not compare equal to what the stored note has.
    const planned = (id: string | null, created: boolean | undefined, what: string) => id ?? (created ? `(new ${what})` : null);
    const plan = await planNote(noteDeps, {
      ...noteRequest,
      targets: {
        contactId: route.destinations.includes('contact') ? planned(contactMatch.id, contactMatch.created, 'contact') : null,
        companyId: route.destinations.includes('company') ? planned(companyMatch?.id ?? null, companyMatch?.created, 'company') : null,
        ticketId: ticket ? planned(ticket.ticketId, ticket.outcome === 'planned', 'ticket') : null,
      },
    });
    const transcript = render(plan.reference);
    return {
      result: {
        ...decided, outcome: plan.outcome, ...(plan.noteId ? { noteId: plan.noteId } : {}),
        ...(plan.outcome === 'unchanged' ? {} : { preview: { noteHtml: transcript.html, noteChars: transcript.html.length, partsShown: transcript.partsShown, partsCutForSize: transcript.partsCutForSize, cappedByIntercom: transcript.cappedByIntercom } }),
      },
    };
  }

  const note = await writeNoteOrForgetStaleLinks(deps, row.id, records, noteDeps, noteRequest);
  // A note written before the conversation had its ticket joins it (a PUT: safe to repeat).
  if (targets.ticketId && note.outcome !== 'captured' && ticket?.outcome !== 'existing') await hubspot.associations.createDefault('notes', note.noteId, 'tickets', targets.ticketId);
  const referenceNotes = settings.conversations.content.referenceNotesForParticipants
    ? await writeReferenceNotes({ ...noteDeps, intercom, matchDeps, settings, row, conversation, primaryContactId: contact.id, transcriptContactId: targets.contactId, ownerId })
    : [];
  return { result: { ...decided, outcome: note.outcome, noteId: note.noteId, ...(referenceNotes.length > 0 ? { referenceNotes } : {}) } };
}

export interface TicketDecision {
  outcome: 'created' | 'existing' | 'reused' | 'recovered' | 'deleted' | 'planned' | 'off';
  ticketId: string | null;
  pipeline?: string;
  stage?: string;
  problem?: string;
}

/** What making only the ticket (tickets.createWhen: first_customer_message) amounts to in the activity log; a dry run's planned ticket would be captured. */
const TICKET_ONLY_OUTCOME: Record<TicketDecision['outcome'], Exclude<CaptureResult['outcome'], 'planned'>> = {
  created: 'captured', recovered: 'captured', reused: 'captured', existing: 'unchanged', planned: 'captured', deleted: 'skipped', off: 'skipped',
};

/** HubSpot refused to write tickets: a warning on the connection, and a failure that is not retried. */
async function ticketPermissionError(deps: CaptureDeps, row: ConnectionRow, error: UpstreamError): Promise<TicketSettingsError> {
  const scopes = error.details.missingScopes?.length ? ` (missing scopes: ${error.details.missingScopes.join(', ')})` : '';
  const message = `HubSpot does not let this connection create tickets${scopes}: ${error.details.vendorMessage ?? error.message}. Grant the 'tickets' scope, or turn tickets off (${deps.tickets.settingsKey(row)}.tickets.policy: none).`;
  await raiseWarning(deps.db, row.id, TICKET_PERMISSION_WARNING, message, deps.now());
  return new TicketSettingsError(message, [{ key: `${deps.tickets.settingsKey(row)}.tickets.policy`, message }]);
}

async function decideTicket(input: {
  deps: CaptureDeps; row: ConnectionRow; hubspot: ReturnType<ConnectionClients['hubspot']>; settings: ConnectionSettings; conversation: IntercomConversation;
  policy: TicketPolicy; dryRun: boolean; contactId: string | null; companyId: string | null; ownerId: string | null; customer: string; company: string;
}): Promise<TicketDecision> {
  const { deps, row, hubspot, settings, conversation } = input;
  if (input.policy === 'none') return { outcome: 'off', ticketId: null, problem: 'tickets are off (tickets.policy: none)' };
  const resolved = await resolveTicketPipeline(deps.tickets, row, hubspot, settings.tickets);
  const state = conversationState(conversation);
  const stage = resolved.stages[state];
  const shown = { pipeline: resolved.pipelineLabel, stage: stage.label };
  if (input.dryRun) {
    // The links decide as ensureTicket's do: deleted, existing, reused, or a ticket to make.
    const plan = await planTicket(deps.db, { connectionId: row.id, conversationId: conversation.id, policy: input.policy, contactId: input.contactId });
    if (plan.outcome === 'deleted') return { outcome: 'deleted', ticketId: null, problem: plan.problem, ...shown };
    return { outcome: plan.outcome, ticketId: plan.ticketId, ...shown };
  }
  let made: Awaited<ReturnType<typeof ensureTicket>>;
  try {
    made = await ensureTicket({ db: deps.db, hubspot, now: deps.now }, {
      connectionId: row.id, conversationId: conversation.id, policy: input.policy, contactId: input.contactId, companyId: input.companyId, resolved, state,
      properties: (reference) => ticketProperties({
        conversation, customer: input.customer, company: input.company, link: conversationUrl(row, conversation.id), reference,
        ownerId: input.ownerId, stageId: stage.id, pipelineId: resolved.pipelineId, settings: settings.tickets,
      }),
    });
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'forbidden') throw await ticketPermissionError(deps, row, error);
    throw error;
  }
  if (made.outcome === 'deleted') return { outcome: 'deleted', ticketId: null, problem: made.problem, ...shown };
  return { outcome: made.outcome, ticketId: made.ticketId, ...shown };
}

interface ReferenceNoteDeps {
  db: Kysely<Database>;
  hubspot: ReturnType<ConnectionClients['hubspot']>;
  now: () => number;
  intercom: IntercomClient;
  matchDeps: Parameters<typeof matchContact>[0];
  settings: ConnectionSettings;
  row: ConnectionRow;
  conversation: IntercomConversation;
  primaryContactId: string;
  transcriptContactId: string | null;
  ownerId: string | null;
}

/**
 * The other customers of a conversation get a short note pointing at the transcript, each written
 * once (tracked as `<conversation>/ref/<intercom contact>` in conversation_captures).
 */
async function writeReferenceNotes(deps: ReferenceNoteDeps): Promise<ReferenceNote[]> {
  const others = (deps.conversation.contacts?.contacts ?? []).map((entry) => entry.id).filter((id) => id !== deps.primaryContactId);
  const written: ReferenceNote[] = [];
  for (const intercomContactId of others) {
    const participant = await contactFollowingMerges(deps.intercom, intercomContactId, null);
    const match = await matchContact(deps.matchDeps, participant, deps.settings.matching.contacts);
    if (!match.id) {
      written.push({ intercomContactId, contactId: null, noteId: null, skipped: match.skipped ?? 'no match' });
      continue;
    }
    const subject = deps.conversation.title || deps.conversation.source?.subject || `Intercom conversation ${deps.conversation.id}`;
    const url = conversationUrl(deps.row, deps.conversation.id);
    const note = await writeNote(deps, {
      connectionId: deps.row.id,
      conversationId: `${deps.conversation.id}/ref/${participant.id}`,
      policy: 'update_existing',
      targets: { contactId: match.id, companyId: null },
      ownerId: deps.ownerId,
      timestamp: noteTimestamp(deps.conversation),
      render: (reference) =>
        `<p>Took part in the Intercom conversation “${escapeHtml(subject)}”. ` +
        `${deps.transcriptContactId ? `The transcript is on HubSpot contact ${escapeHtml(deps.transcriptContactId)}. ` : ''}` +
        `<a href="${escapeHtml(url)}" rel="noopener noreferrer" target="_blank">Open in Intercom</a></p>` +
        `<p><small>Captured by Interhubz · reference note · ref ${escapeHtml(reference)}</small></p>`,
    });
    written.push({ intercomContactId, contactId: match.id, noteId: note.noteId });
  }
  return written;
}

/** A lead merged into a user in Intercom answers 404; its conversations belong to the survivor. */
async function contactFollowingMerges(intercom: IntercomClient, contactId: string, email: string | null | undefined): Promise<IntercomContact> {
  try {
    return await intercom.getContact(contactId, { email });
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'merged' && error.details.survivorId) return intercom.getContact(error.details.survivorId);
    throw error;
  }
}

/** A remembered HubSpot record that no longer exists (deleted or merged away by a person). */
class StaleLinkError extends Error {
  override name = 'StaleLinkError';
}

/**
 * HubSpot refuses a note whose associations name a record that is gone. When the record came from
 * a remembered link, the link is forgotten and the capture matches afresh (once); otherwise the
 * vendor's refusal stands.
 */
async function writeNoteOrForgetStaleLinks(deps: CaptureDeps, connectionId: string, records: { contact: RecordDecision; company?: RecordDecision }, noteDeps: Parameters<typeof writeNote>[0], request: Parameters<typeof writeNote>[1]) {
  try {
    return await writeNote(noteDeps, request);
  } catch (error) {
    const invalidAssociation = error instanceof UpstreamError && error.kind === 'invalid_request' && /associations are invalid/i.test(error.details.vendorMessage ?? error.message);
    const candidates: Array<['contact' | 'company', RecordDecision | undefined]> = [['contact', records.contact], ['company', records.company]];
    const linked = candidates.filter((entry): entry is ['contact' | 'company', RecordDecision] => entry[1]?.how === 'linked' && entry[1].id !== null);
    if (!invalidAssociation || linked.length === 0) throw error;
    for (const [type, record] of linked) await forgetHubSpotRecord(deps.db, connectionId, type, record.id as string);
    throw new StaleLinkError(`HubSpot no longer has ${linked.map(([type, record]) => `${type} ${record.id}`).join(' or ')}; matching again`);
  }
}

function decision(match: Matched): RecordDecision {
  return { id: match.id, how: match.how, created: match.created, ...(match.skipped ? { skipped: match.skipped } : {}), ...(match.tieBreak ? { tieBreak: match.tieBreak } : {}) };
}

/** The activity entry of a decision: ids, names of guards and rules, counts — never text. */
function activityDetail(result: CaptureResult): Record<string, unknown> {
  return {
    trigger: result.trigger,
    ...(result.rule ? { rule: result.rule } : {}),
    destinations: result.destinations,
    ...(result.noteId ? { noteId: result.noteId } : {}),
    ...(result.contact ? { contact: { id: result.contact.id, how: result.contact.how, created: result.contact.created, ...(result.contact.tieBreak ? { tieBreak: result.contact.tieBreak } : {}) } } : {}),
    ...(result.company ? { company: { id: result.company.id, how: result.company.how, created: result.company.created, ...(result.company.tieBreak ? { tieBreak: result.company.tieBreak } : {}) } } : {}),
    ...(result.ownerId ? { ownerId: result.ownerId } : {}),
    ...(result.ticket ? { ticket: { id: result.ticket.ticketId, outcome: result.ticket.outcome, ...(result.ticket.stage ? { stage: result.ticket.stage } : {}) } } : {}),
    ...(result.referenceNotes ? { referenceNotes: result.referenceNotes.map(({ intercomContactId, contactId, noteId }) => ({ intercomContactId, contactId, noteId })) } : {}),
    calls: result.apiCalls,
  };
}

/**
 * A dry run decides exactly as the push would and answers with the push's outcome (decideAndWrite);
 * shown to the caller, it says 'planned' where the push would write, and names what the push will answer.
 */
function asDryRun(result: CaptureResult): CaptureResult {
  const wouldBe = result.outcome === 'planned' ? 'captured' : result.outcome;
  return { ...result, outcome: wouldBe === 'captured' || wouldBe === 'updated' ? 'planned' : wouldBe, wouldBe };
}

/**
 * Captures one conversation now. Captures of one conversation never overlap (a lock per
 * conversation); a dry run writes nothing, not even an activity entry.
 */
export async function captureConversation(deps: CaptureDeps, connectionId: string, conversationId: string, options: CaptureOptions): Promise<CaptureResult> {
  const started = deps.now();
  const row = checkConnection(await getConnection(deps.db, connectionId), connectionId);
  const settings = parseStoredSettings(row.settings);
  return deps.locks.run(`conversation:${connectionId}:${conversationId}`, async () => {
    const calls = noCalls();
    let decided: Decided;
    try {
      const decide = () => decideAndWrite(deps, row, settings, conversationId, options);
      decided = await countCalls(calls, () => decide().catch((error: unknown) => (error instanceof StaleLinkError ? decide() : Promise.reject(error))));
    } catch (error) {
      if (!options.dryRun && options.isFinal(error)) {
        await recordActivity(deps.db, {
          connectionId, at: deps.now(), kind: 'capture', subjectId: conversationId, outcome: 'failed',
          reason: (error instanceof Error ? error.message : String(error)).slice(0, 1000), detail: { trigger: options.trigger, calls },
          apiCalls: calls.intercom + calls.hubspot, durationMs: deps.now() - started,
        });
      }
      throw error;
    }
    const full: CaptureResult = { ...decided.result, apiCalls: calls, durationMs: deps.now() - started };
    if (options.dryRun) return asDryRun(full);
    await saveCapture(deps.db, connectionId, conversationId, { last_outcome: full.outcome, last_decided_at: deps.now() });
    await recordActivity(deps.db, {
      connectionId, at: deps.now(), kind: 'capture', subjectId: conversationId, outcome: full.outcome as Exclude<CaptureResult['outcome'], 'planned'>,
      // The guard's or rule's name: what the Activity tab filters and shows; the sentence goes in detail.
      reason: full.outcome === 'skipped' ? (full.guard ?? (full.rule ? `rule: ${full.rule}` : (full.reason ?? null))) : null,
      detail: { ...activityDetail(full), ...(full.reason && full.outcome === 'skipped' ? { why: full.reason.slice(0, 300) } : {}) },
      apiCalls: calls.intercom + calls.hubspot, durationMs: full.durationMs,
    });
    return full;
  });
}
