// The activity log across connections (issue #16 item 3): every connection's entries, newest first,
// with the connection each belongs to, filtered and paged by id. The export pages through the same
// query, so a download never holds the whole log in memory.
import type { Kysely } from 'kysely';
import type { ActivityOutcome, Database } from '../db/schema.ts';
import type { ConversationSearch } from './activity-search.ts';

export interface ActivityFilters {
  connectionId?: string;
  kind?: string;
  outcome?: ActivityOutcome;
  /** Entries at or after this time (ms since 1970). */
  from?: number;
  /** Entries before this time (ms since 1970): a day's range is [midnight, next midnight). */
  to?: number;
  conversation?: ConversationSearch;
}

/** One entry with what its connection says about links: name, workspace, region, portal. */
export interface ActivityFeedRow {
  id: number;
  at: number;
  kind: string;
  subject_id: string | null;
  outcome: ActivityOutcome;
  reason: string | null;
  detail: string;
  api_calls: number;
  duration_ms: number;
  connection_id: string | null;
  connection_name: string | null;
  intercom_workspace_id: string | null;
  intercom_region: 'us' | 'eu' | 'au' | null;
  hubspot_portal_id: number | null;
  hubspot_base_url: string | null;
}

const MAX_PAGE = 500;

/** One page, newest first: entries older than `before` (an id), at most `limit`. */
export async function listActivityFeed(db: Kysely<Database>, filters: ActivityFilters, page: { before?: number; limit: number }): Promise<ActivityFeedRow[]> {
  let select = db
    .selectFrom('activity')
    .leftJoin('connections', 'connections.id', 'activity.connection_id')
    .select([
      'activity.id', 'activity.at', 'activity.kind', 'activity.subject_id', 'activity.outcome', 'activity.reason', 'activity.detail',
      'activity.api_calls', 'activity.duration_ms', 'activity.connection_id',
      'connections.name as connection_name', 'connections.intercom_workspace_id', 'connections.intercom_region',
      'connections.hubspot_portal_id', 'connections.hubspot_base_url',
    ]);
  if (page.before !== undefined) select = select.where('activity.id', '<', page.before);
  if (filters.connectionId !== undefined) select = select.where('activity.connection_id', '=', filters.connectionId);
  if (filters.kind !== undefined) select = select.where('activity.kind', '=', filters.kind);
  if (filters.outcome !== undefined) select = select.where('activity.outcome', '=', filters.outcome);
  if (filters.from !== undefined) select = select.where('activity.at', '>=', filters.from);
  if (filters.to !== undefined) select = select.where('activity.at', '<', filters.to);
  if (filters.conversation) {
    select = select.where('activity.subject_id', '=', filters.conversation.conversationId);
    if (filters.conversation.workspaceId !== undefined) select = select.where('connections.intercom_workspace_id', '=', filters.conversation.workspaceId);
  }
  const rows: ActivityFeedRow[] = await select.orderBy('activity.id', 'desc').limit(Math.min(Math.max(page.limit, 1), MAX_PAGE)).execute();
  return rows;
}

/**
 * Every matching entry, newest first, read `pageSize` at a time: the caller holds one page at once.
 * Entries recorded after the first page are not included (the cursor only goes back).
 */
export async function* activityFeedPages(db: Kysely<Database>, filters: ActivityFilters, pageSize = MAX_PAGE): AsyncGenerator<ActivityFeedRow[]> {
  let before: number | undefined;
  for (;;) {
    const rows = await listActivityFeed(db, filters, { limit: pageSize, ...(before === undefined ? {} : { before }) });
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
    before = rows.at(-1)?.id;
  }
}
