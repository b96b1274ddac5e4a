// An activity entry as the Activity page and GET /api/activity show it: the entry, its connection's
// name, and where to look next — the conversation in Intercom, the HubSpot records it touched, and
// this conversation's story in Interhubz. Pure: built from the stored row, no I/O.
import { z } from 'zod';
import type { ActivityOutcome } from '../db/schema.ts';
import type { ActivityFeedRow } from './activity-feed.ts';

const HUBSPOT_RECORD_TYPES = ['contact', 'company', 'ticket', 'note'] as const;
type HubSpotRecordType = (typeof HUBSPOT_RECORD_TYPES)[number];

interface HubSpotRecordLink {
  type: HubSpotRecordType;
  id: string;
  /** The record's page in HubSpot; null for a note (shown on its contact's page) and outside real HubSpot (the sandbox). */
  url: string | null;
  /** The capture created this record (rather than finding it). */
  created: boolean;
}

export interface ActivityFeedEntry {
  id: number;
  at: number;
  connectionId: string | null;
  /** Null when the entry's connection is gone. */
  connectionName: string | null;
  kind: string;
  /** The Intercom conversation the entry is about, when it is about one. */
  conversationId: string | null;
  /** A record sync's Intercom contact or company (kinds contact and company). */
  intercomRecord: { type: 'contact' | 'company'; id: string } | null;
  outcome: ActivityOutcome;
  reason: string | null;
  detail: Record<string, unknown>;
  apiCalls: number;
  durationMs: number;
  conversationUrl: string | null;
  hubspotRecords: HubSpotRecordLink[];
  /**
   * The UI path that tells this conversation's story. The explainer (issue #16 item 4) has no route
   * yet, so it is the Activity page filtered to this connection and conversation.
   */
  storyPath: string | null;
  /** The conversation's explainer (issue #16 item 4): what happened and why, and a replay. */
  explainPath: string | null;
}

const INBOX_HOST = { us: 'app.intercom.com', eu: 'app.eu.intercom.com', au: 'app.au.intercom.com' } as const;

/** The inbox link the product writes into notes (src/conversations/resolve-records.ts conversationUrl). */
function intercomConversationUrl(row: ActivityFeedRow, conversationId: string): string | null {
  if (row.intercom_workspace_id === null || row.intercom_region === null) return null;
  return `https://${INBOX_HOST[row.intercom_region]}/a/inbox/${encodeURIComponent(row.intercom_workspace_id)}/inbox/conversation/${encodeURIComponent(conversationId)}`;
}

/**
 * HubSpot's object type ids (developers.hubspot.com/docs/guides/crm/using-object-apis: contacts 0-1,
 * companies 0-2, tickets 0-5) in the CRM's record page path, app.hubspot.com/contacts/<portal>/record/<type>/<id>.
 */
const OBJECT_TYPE_ID: Partial<Record<HubSpotRecordType, string>> = { contact: '0-1', company: '0-2', ticket: '0-5' };

function hubspotRecordUrl(row: ActivityFeedRow, type: HubSpotRecordType, id: string): string | null {
  const objectType = OBJECT_TYPE_ID[type];
  // A connection with its own HubSpot base URL talks to a simulator: there is no record page to open.
  if (!objectType || row.hubspot_portal_id === null || row.hubspot_base_url !== null) return null;
  return `https://app.hubspot.com/contacts/${row.hubspot_portal_id}/record/${objectType}/${encodeURIComponent(id)}`;
}

const Id = z.union([z.string(), z.number()]).transform(String);
const RecordRef = z.object({ id: Id, created: z.boolean().optional() });
/** What capture entries (conversation-run.ts activityDetail) and ticket entries (ticket-tasks.ts) store about HubSpot records. */
const RecordDetail = z.object({
  noteId: Id.optional().catch(undefined),
  contact: RecordRef.optional().catch(undefined),
  company: RecordRef.optional().catch(undefined),
  ticket: z.object({ id: Id.nullable() }).optional().catch(undefined),
  ticketId: Id.optional().catch(undefined),
  referenceNotes: z.array(z.object({ noteId: Id.nullable().optional() })).optional().catch(undefined),
});

function hubspotRecords(row: ActivityFeedRow, detail: unknown): HubSpotRecordLink[] {
  const parsed = RecordDetail.safeParse(detail);
  if (!parsed.success) return [];
  const found = parsed.data;
  const records: Array<{ type: HubSpotRecordType; id: string | null | undefined; created?: boolean | undefined }> = [
    { type: 'contact', id: found.contact?.id, created: found.contact?.created },
    { type: 'company', id: found.company?.id, created: found.company?.created },
    { type: 'ticket', id: found.ticket?.id ?? found.ticketId },
    { type: 'note', id: found.noteId },
    ...(found.referenceNotes ?? []).map((note) => ({ type: 'note' as const, id: note.noteId })),
  ];
  const links: HubSpotRecordLink[] = [];
  for (const record of records) {
    if (record.id === null || record.id === undefined || record.id === '') continue;
    if (links.some((link) => link.type === record.type && link.id === record.id)) continue;
    links.push({ type: record.type, id: record.id, url: hubspotRecordUrl(row, record.type, record.id), created: record.created === true });
  }
  return links;
}

function parseDetail(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Record sync's entries (src/records/sync-record.ts): about a contact or company, not a conversation; the HubSpot id is in the detail. */
const RecordSyncDetail = z.object({ hubspotId: Id.optional().catch(undefined) });

function recordSyncLinks(row: ActivityFeedRow, type: 'contact' | 'company', detail: unknown): HubSpotRecordLink[] {
  const id = RecordSyncDetail.safeParse(detail).data?.hubspotId;
  return id ? [{ type, id, url: hubspotRecordUrl(row, type, id), created: false }] : [];
}

export function activityFeedEntry(row: ActivityFeedRow): ActivityFeedEntry {
  const detail = parseDetail(row.detail);
  const recordKind = row.kind === 'contact' || row.kind === 'company' ? row.kind : null;
  const conversationId = recordKind ? null : row.subject_id;
  return {
    id: row.id,
    at: row.at,
    connectionId: row.connection_id,
    connectionName: row.connection_name,
    kind: row.kind,
    conversationId,
    intercomRecord: recordKind && row.subject_id ? { type: recordKind, id: row.subject_id } : null,
    outcome: row.outcome,
    reason: row.reason,
    detail,
    apiCalls: row.api_calls,
    durationMs: row.duration_ms,
    conversationUrl: conversationId ? intercomConversationUrl(row, conversationId) : null,
    hubspotRecords: recordKind ? recordSyncLinks(row, recordKind, detail) : hubspotRecords(row, detail),
    storyPath: conversationId && row.connection_id ? `/activity?${new URLSearchParams({ connection: row.connection_id, search: conversationId })}` : null,
    explainPath: conversationId && row.connection_id ? `/connections/${encodeURIComponent(row.connection_id)}/conversations/${encodeURIComponent(conversationId)}/explain` : null,
  };
}
