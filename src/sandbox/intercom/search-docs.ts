// The searchable fields of conversations and contacts (S14 #/paths/~1conversations~1search/post/description
// and ~1contacts~1search) and the flat documents the query evaluator runs over.
import type { FieldType, SearchDoc } from './search-query.ts';
import type { SimState } from './state.ts';
import type { Contact, Conversation } from './types.ts';

const STAT_DATES = [
  'first_contact_reply_at',
  'first_assignment_at',
  'first_admin_reply_at',
  'first_close_at',
  'last_assignment_at',
  'last_assignment_admin_reply_at',
  'last_contact_reply_at',
  'last_admin_reply_at',
  'last_close_at',
] as const;
const STAT_INTS = ['time_to_assignment', 'time_to_admin_reply', 'time_to_first_close', 'time_to_last_close', 'median_time_to_reply', 'count_reopens', 'count_assignments', 'count_conversation_parts'] as const;

export const CONVERSATION_FIELDS: Record<string, FieldType> = {
  id: 'string',
  created_at: 'date',
  updated_at: 'date',
  'source.type': 'string',
  'source.id': 'string',
  'source.delivered_as': 'string',
  'source.subject': 'string',
  'source.body': 'token-text',
  'source.author.id': 'string',
  'source.author.type': 'string',
  'source.author.name': 'string',
  'source.author.email': 'string',
  'source.url': 'string',
  contact_ids: 'id-list',
  teammate_ids: 'id-list',
  admin_assignee_id: 'integer',
  team_assignee_id: 'integer',
  channel_initiated: 'string',
  open: 'boolean',
  read: 'boolean',
  state: 'string',
  waiting_since: 'date',
  snoozed_until: 'date',
  tag_ids: 'id-list',
  priority: 'string',
  ai_agent_participated: 'boolean',
  'statistics.last_closed_by_id': 'string',
  ...Object.fromEntries(STAT_DATES.map((f) => [`statistics.${f}`, 'date'])),
  ...Object.fromEntries(STAT_INTS.map((f) => [`statistics.${f}`, 'integer'])),
};

export function conversationDoc(state: SimState, c: Conversation): SearchDoc {
  const author = c.source.author;
  const authorRecord = author.type === 'user' || author.type === 'lead' ? state.contacts.get(author.id) : state.admins.get(author.id);
  const s = c.stats;
  const since = (unix: number | null) => (unix === null ? null : unix - c.createdAt);
  const sorted = [...s.replyTimes].sort((a, b) => a - b);
  return {
    id: c.id,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    'source.type': c.source.type,
    'source.id': c.source.id,
    'source.delivered_as': c.source.deliveredAs,
    'source.subject': c.source.subject,
    'source.body': c.source.body,
    'source.author.id': author.id,
    'source.author.type': author.type,
    'source.author.name': authorRecord?.name ?? null,
    'source.author.email': authorRecord?.email ?? null,
    'source.url': c.source.url,
    contact_ids: c.contactIds,
    teammate_ids: c.teammateIds,
    admin_assignee_id: c.adminAssigneeId,
    team_assignee_id: c.teamAssigneeId,
    channel_initiated: 'conversation',
    open: c.state !== 'closed',
    read: c.read,
    state: c.state,
    waiting_since: c.waitingSince,
    snoozed_until: c.snoozedUntil,
    tag_ids: c.tags.map((t) => t.tagId),
    priority: c.priority,
    ai_agent_participated: false,
    'statistics.first_contact_reply_at': s.firstContactReplyAt,
    'statistics.first_assignment_at': s.firstAssignmentAt,
    'statistics.first_admin_reply_at': s.firstAdminReplyAt,
    'statistics.first_close_at': s.firstCloseAt,
    'statistics.last_assignment_at': s.lastAssignmentAt,
    'statistics.last_assignment_admin_reply_at': s.lastAssignmentAdminReplyAt,
    'statistics.last_contact_reply_at': s.lastContactReplyAt,
    'statistics.last_admin_reply_at': s.lastAdminReplyAt,
    'statistics.last_close_at': s.lastCloseAt,
    'statistics.last_closed_by_id': s.lastClosedById,
    'statistics.time_to_assignment': since(s.firstAssignmentAt),
    'statistics.time_to_admin_reply': since(s.firstAdminReplyAt),
    'statistics.time_to_first_close': since(s.firstCloseAt),
    'statistics.time_to_last_close': since(s.lastCloseAt),
    'statistics.median_time_to_reply': sorted.length ? (sorted[Math.floor(sorted.length / 2)] ?? null) : null,
    'statistics.count_reopens': s.countReopens,
    'statistics.count_assignments': s.countAssignments,
    'statistics.count_conversation_parts': c.parts.length,
  };
}

const CONTACT_DATES = ['created_at', 'signed_up_at', 'updated_at', 'last_seen_at', 'last_contacted_at', 'last_replied_at', 'last_email_opened_at', 'last_email_clicked_at'];
const CONTACT_STRINGS = ['id', 'role', 'name', 'avatar', 'email', 'email_domain', 'phone', 'external_id', 'language_override', 'browser', 'browser_language', 'os', 'location.country', 'location.region', 'location.city'];

export const CONTACT_FIELDS: Record<string, FieldType> = {
  ...Object.fromEntries(CONTACT_STRINGS.map((f) => [f, 'string'])),
  ...Object.fromEntries(CONTACT_DATES.map((f) => [f, 'date'])),
  owner_id: 'integer',
  unsubscribed_from_emails: 'boolean',
  marked_email_as_spam: 'boolean',
  has_hard_bounced: 'boolean',
  tag_id: 'id-list',
  segment_id: 'id-list',
};

export const CONTACT_OPEN_PREFIXES = ['custom_attributes.'];

export function contactDoc(contact: Contact): SearchDoc {
  const doc: SearchDoc = {
    id: contact.id,
    role: contact.role,
    name: contact.name,
    avatar: contact.avatar,
    email: contact.email,
    email_domain: contact.email?.split('@')[1] ?? null,
    phone: contact.phone,
    external_id: contact.externalId,
    language_override: null,
    browser: null,
    browser_language: null,
    os: null,
    'location.country': contact.location.country,
    'location.region': contact.location.region,
    'location.city': contact.location.city,
    created_at: contact.createdAt,
    signed_up_at: contact.signedUpAt,
    updated_at: contact.updatedAt,
    last_seen_at: contact.lastSeenAt,
    last_contacted_at: contact.lastContactedAt,
    last_replied_at: contact.lastRepliedAt,
    last_email_opened_at: null,
    last_email_clicked_at: null,
    owner_id: contact.ownerId,
    unsubscribed_from_emails: contact.unsubscribedFromEmails,
    marked_email_as_spam: false,
    has_hard_bounced: false,
    tag_id: contact.tagIds,
    segment_id: [],
  };
  for (const [key, value] of Object.entries(contact.customAttributes)) doc[`custom_attributes.${key}`] = value;
  return doc;
}
