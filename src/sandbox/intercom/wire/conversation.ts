// Wire shape of a conversation for API 2.14 (S14 #/components/schemas/conversation and the GET
// example), with the keys real payloads carry beyond the schema (topics, ticket; Z fixtures) and
// `teammates.admins` instead of the schema's `teammates.teammates` (GH220; OV conversation_teammates).
import type { SimState } from '../state.ts';
import type { AuthorRef, Conversation, Part } from '../types.ts';

type PartsMode = { kind: 'none' } | { kind: 'recent' } | { kind: 'only'; parts: readonly Part[] };

/** GET /conversations/{id}: "If you have more than that we will return the 500 most recent conversation parts" (S14). */
const PART_CAP = 500;

export interface ConversationWireOptions {
  parts: PartsMode;
  /** Webhook items give statistics.*_at as ISO strings (Z conversation_admin_open_assigned.json). */
  isoStatistics?: boolean;
}

function authorWire(state: SimState, ref: AuthorRef) {
  if (ref.type === 'user' || ref.type === 'lead') {
    const contact = state.contacts.get(ref.id);
    // Leads without an email come as "" (Z conversation_admin_open_assigned.json: source.author.email "").
    return { type: ref.type, id: ref.id, name: contact?.name ?? null, email: contact?.email ?? '' };
  }
  if (ref.type === 'team') {
    const team = state.teams.get(ref.id);
    return { type: 'team', id: ref.id, name: team?.name ?? null, email: '' };
  }
  const admin = state.admins.get(ref.id);
  return {
    type: ref.type,
    id: ref.id,
    name: admin?.name ?? null,
    email: admin?.email ?? '',
    from_ai_agent: ref.type === 'bot',
    is_ai_answer: false,
  };
}

function partWire(state: SimState, conversation: Conversation, part: Part) {
  return {
    type: 'conversation_part',
    id: part.id,
    part_type: part.partType,
    body: part.body,
    created_at: part.createdAt,
    updated_at: part.updatedAt,
    notified_at: part.notifiedAt,
    assigned_to: part.assignedTo,
    author: authorWire(state, part.author),
    attachments: part.attachmentUrls.map((url) => ({ type: 'upload', name: url.split('/').pop() ?? 'file', url, content_type: 'application/octet-stream', filesize: 0 })),
    external_id: null,
    redacted: false,
    metadata: {},
    email_message_metadata: null,
    state: part.state,
    tags: [],
    event_details: {},
    app_package_code: null,
  };
}

const iso = (unix: number | null) => (unix === null ? null : new Date(unix * 1000).toISOString());

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : Math.round(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
}

function statisticsWire(conversation: Conversation, isoTimes: boolean) {
  const s = conversation.stats;
  const at = (unix: number | null) => (isoTimes ? iso(unix) : unix);
  const since = (unix: number | null) => (unix === null ? null : unix - conversation.createdAt);
  // Unset values are null on the wire (Z fixtures), though S14 types most of them non-nullable.
  return {
    type: 'conversation_statistics',
    time_to_assignment: since(s.firstAssignmentAt),
    time_to_admin_reply: since(s.firstAdminReplyAt),
    time_to_first_close: since(s.firstCloseAt),
    time_to_last_close: since(s.lastCloseAt),
    median_time_to_reply: median(s.replyTimes),
    first_contact_reply_at: at(s.firstContactReplyAt),
    first_assignment_at: at(s.firstAssignmentAt),
    first_admin_reply_at: at(s.firstAdminReplyAt),
    first_close_at: at(s.firstCloseAt),
    last_assignment_at: at(s.lastAssignmentAt),
    last_assignment_admin_reply_at: at(s.lastAssignmentAdminReplyAt),
    last_contact_reply_at: at(s.lastContactReplyAt),
    last_admin_reply_at: at(s.lastAdminReplyAt),
    last_close_at: at(s.lastCloseAt),
    last_closed_by_id: s.lastClosedById,
    count_reopens: s.countReopens,
    count_assignments: s.countAssignments,
    count_conversation_parts: conversation.parts.length,
    assigned_team_first_response_time: [],
    assigned_team_first_response_time_in_office_hours: [],
    handling_time: null,
  };
}

export function conversationWire(state: SimState, conversation: Conversation, options: ConversationWireOptions) {
  const c = conversation;
  const tags = c.tags.flatMap((applied) => {
    const tag = state.tags.get(applied.tagId);
    return tag ? [{ type: 'tag', id: tag.id, name: tag.name, applied_at: applied.appliedAt, applied_by: { type: applied.appliedBy.type, id: applied.appliedBy.id } }] : [];
  });
  const firstContact = c.source.author.type === 'user' || c.source.author.type === 'lead';
  const wire: Record<string, unknown> = {
    type: 'conversation',
    id: c.id,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    waiting_since: c.waitingSince,
    snoozed_until: c.snoozedUntil,
    source: {
      type: c.source.type,
      id: c.source.id,
      delivered_as: c.source.deliveredAs,
      subject: c.source.subject,
      body: c.source.body,
      author: authorWire(state, c.source.author),
      attachments: [],
      url: c.source.url,
      redacted: false,
    },
    contacts: {
      type: 'contact.list',
      contacts: c.contactIds.map((id) => ({ type: 'contact', id, external_id: state.contacts.get(id)?.externalId ?? null })),
    },
    first_contact_reply: firstContact ? { created_at: c.createdAt, type: c.source.type, url: c.source.url } : null,
    admin_assignee_id: c.adminAssigneeId,
    team_assignee_id: c.teamAssigneeId,
    open: c.state !== 'closed',
    state: c.state,
    read: c.read,
    tags: { type: 'tag.list', tags },
    priority: c.priority,
    sla_applied: null,
    statistics: statisticsWire(c, options.isoStatistics ?? false),
    conversation_rating: null,
    teammates: { type: 'admin.list', admins: c.teammateIds.map((id) => ({ type: 'admin', id })) },
    title: c.title,
    custom_attributes: c.customAttributes,
    topics: { type: 'topic.list', topics: [], total_count: 0 },
    ticket: null,
    linked_objects: { type: 'list', data: [], total_count: 0, has_more: false },
    ai_agent: null,
    ai_agent_participated: false,
  };
  if (options.parts.kind !== 'none') {
    const parts = options.parts.kind === 'only' ? options.parts.parts : c.parts.slice(-PART_CAP);
    wire.conversation_parts = {
      type: 'conversation_part.list',
      conversation_parts: parts.map((part) => partWire(state, c, part)),
      total_count: parts.length,
    };
  }
  return wire;
}
