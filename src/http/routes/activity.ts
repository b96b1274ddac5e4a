// The activity log across connections (issue #16 items 3 and 10): GET /api/activity, one page,
// and GET /api/activity/export, the whole filtered log as a streamed CSV or NDJSON file. Thin:
// src/activity/ queries and shapes; these translate to HTTP. Reads: a `read` API token may call both.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { ActivityFilters } from '../../activity/activity-feed.ts';
import { listActivityFeed } from '../../activity/activity-feed.ts';
import { EXPORT_CONTENT_TYPE, exportActivity, exportFileName } from '../../activity/activity-export.ts';
import { activityFeedEntry } from '../../activity/activity-view.ts';
import type { Database } from '../../db/schema.ts';
import { ActivityExportQuery, ActivityFeedQuery, type ActivityFeed } from '../api-types.ts';
import { parseQuery } from '../errors.ts';
import type { z } from 'zod';

function filtersOf(query: z.infer<typeof ActivityExportQuery> | z.infer<typeof ActivityFeedQuery>): ActivityFilters {
  return {
    ...(query.connection === undefined ? {} : { connectionId: query.connection }),
    ...(query.kind === undefined ? {} : { kind: query.kind }),
    ...(query.outcome === undefined ? {} : { outcome: query.outcome }),
    ...(query.from === undefined ? {} : { from: query.from }),
    ...(query.to === undefined ? {} : { to: query.to }),
    ...(query.search === undefined ? {} : { conversation: query.search }),
  };
}

export function activityRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; clock: () => number }): void {
  app.get('/api/activity', async (request): Promise<ActivityFeed> => {
    const query = parseQuery(ActivityFeedQuery, request.query);
    // One more than asked: whether an older page exists, without a second query.
    const rows = await listActivityFeed(deps.db, filtersOf(query), { limit: query.limit + 1, ...(query.before === undefined ? {} : { before: query.before }) });
    const page = rows.slice(0, query.limit);
    return { entries: page.map(activityFeedEntry), next: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null };
  });

  app.get('/api/activity/export', async (request, reply) => {
    const query = parseQuery(ActivityExportQuery, request.query);
    const file = exportFileName(query.format, deps.clock());
    return reply
      .type(EXPORT_CONTENT_TYPE[query.format])
      .header('content-disposition', `attachment; filename="${file}"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(exportActivity(deps.db, filtersOf(query), query.format)));
  });
}
