// Backfills ("Sync now", #18 item 3): start one, list them with their progress, pause, resume and
// cancel. Thin: src/backfills decides and refuses; bad input is a 400 naming the key, with nothing queued.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { recordAudit } from '../../audit/record-audit.ts';
import type { BackfillRow } from '../../backfills/backfill-kind.ts';
import { BackfillRefusedError, cancelBackfill, describeBackfill, pauseBackfill, resumeBackfill, startBackfill, type BackfillControlDeps } from '../../backfills/backfill-control.ts';
import { backfillView } from '../../backfills/backfill-progress.ts';
import { getBackfill, listBackfills } from '../../backfills/backfill-store.ts';
import { getConnection } from '../../db/repos/connections.ts';
import type { Database } from '../../db/schema.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import { StartBackfillBody, type BackfillAnswer, type BackfillList } from '../api/backfills.ts';
import { requestActor } from '../authenticate.ts';
import { HttpError, notFound, parseBody } from '../errors.ts';

type Params = { Params: { id: string } };
type BackfillParams = { Params: { id: string; backfillId: string } };

const ACTIONS = { pause: pauseBackfill, resume: resumeBackfill, cancel: cancelBackfill } as const;

function asHttpError(error: unknown): unknown {
  if (!(error instanceof BackfillRefusedError)) return error;
  const details = Object.entries(error.details).map(([key, value]) => ({ path: key, message: value }));
  return new HttpError(error.status, error.code, error.message, details.length > 0 ? { details } : {});
}

export function backfillRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; jobs: JobQueue; clock: () => number }): void {
  const control: BackfillControlDeps = { db: deps.db, jobs: deps.jobs, now: deps.clock };
  // Who started, paused, resumed or cancelled which backfill (the audit trail; ids and names only).
  const audit = (request: FastifyRequest, action: 'start' | 'pause' | 'resume' | 'cancel', backfill: BackfillRow) =>
    recordAudit(deps.db, { at: deps.clock(), actor: requestActor(request), action: `backfill.${action}`, target: { kind: 'backfill', id: backfill.id, name: describeBackfill(backfill) } });

  app.post<Params>('/api/connections/:id/backfills', async (request, reply): Promise<BackfillAnswer> => {
    const body = parseBody(StartBackfillBody, request.body);
    try {
      const backfill = await startBackfill(control, request.params.id, body);
      await audit(request, 'start', backfill);
      reply.code(202);
      return { backfill: backfillView(backfill) };
    } catch (error) {
      throw asHttpError(error);
    }
  });

  app.get<Params>('/api/connections/:id/backfills', async (request): Promise<BackfillList> => {
    if (!(await getConnection(deps.db, request.params.id))) throw notFound(`Connection ${request.params.id}`);
    return { backfills: (await listBackfills(deps.db, request.params.id)).map(backfillView) };
  });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    app.post<BackfillParams>(`/api/connections/:id/backfills/:backfillId/${action}`, async (request): Promise<BackfillAnswer> => {
      try {
        const before = await getBackfill(deps.db, request.params.id, request.params.backfillId);
        const backfill = await ACTIONS[action](control, request.params.id, request.params.backfillId);
        // Pausing a paused backfill changes nothing, and leaves no entry.
        if (before?.state !== backfill.state) await audit(request, action, backfill);
        return { backfill: backfillView(backfill) };
      } catch (error) {
        throw asHttpError(error);
      }
    });
  }
}
