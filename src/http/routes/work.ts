// The Work tab's API (issue #16 item 5): a connection's failed and stuck jobs, and retry / cancel of
// one or all of a kind. Thin: src/work/ decides and records; these translate to HTTP. Reads need a
// `read` scope; changes are refused to viewers and to `read` and `push` tokens by requireCaller
// (src/http/authenticate.ts), and a session's changes need its CSRF token, as every other POST.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { getConnection, type Connection } from '../../db/repos/connections.ts';
import type { Database } from '../../db/schema.ts';
import { cancelAllJobs, cancelOneJob, listWork, retryAllJobs, retryOneJob, type WorkActionOutcome, type WorkDeps } from '../../work/work-actions.ts';
import { WorkBulkBody, WorkQuery, type WorkActionResult, type WorkPage } from '../api-types.ts';
import { requestActor } from '../authenticate.ts';
import { HttpError, notFound, parseBody, parseQuery } from '../errors.ts';

type ById = { Params: { id: string } };
type ByJob = { Params: { id: string; jobId: string } };

/** A path's job id; anything but a positive integer is a 400 that names the parameter. */
function jobIdOf(text: string): number {
  const id = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(id)) {
    throw new HttpError(400, 'invalid_request', 'The path is invalid: jobId must be a job id (a positive whole number).', { details: [{ path: 'jobId', message: 'must be a job id' }] });
  }
  return id;
}

function answer(outcome: WorkActionOutcome): WorkActionResult {
  if (outcome.result === 'not_found') throw notFound('A job of this connection with that id');
  if (outcome.result === 'refused') throw new HttpError(409, outcome.code, outcome.message);
  const { result: _result, ...done } = outcome;
  return done;
}

export function workRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; clock: () => number; jobs: { wake(runAt: number): void } }): void {
  const work: WorkDeps = { db: deps.db, clock: deps.clock, wake: (runAt) => deps.jobs.wake(runAt) };
  const load = async (id: string): Promise<Connection> => (await getConnection(deps.db, id)) ?? Promise.reject(notFound('A connection with that id'));

  app.get<ById>('/api/connections/:id/work', async (request): Promise<WorkPage> => {
    const query = parseQuery(WorkQuery, request.query);
    const connection = await load(request.params.id);
    return listWork(deps.db, { connectionId: connection.id, now: deps.clock(), state: query.state, task: query.task, before: query.before, limit: query.limit });
  });

  app.post<ByJob>('/api/connections/:id/work/:jobId/retry', async (request): Promise<WorkActionResult> => {
    const jobId = jobIdOf(request.params.jobId);
    const connection = await load(request.params.id);
    return answer(await retryOneJob(work, connection, jobId, requestActor(request)));
  });

  app.post<ByJob>('/api/connections/:id/work/:jobId/cancel', async (request): Promise<WorkActionResult> => {
    const jobId = jobIdOf(request.params.jobId);
    const connection = await load(request.params.id);
    return answer(await cancelOneJob(work, connection, jobId, requestActor(request)));
  });

  app.post<ById>('/api/connections/:id/work/retry', async (request): Promise<WorkActionResult> => {
    const body = parseBody(WorkBulkBody, request.body);
    const connection = await load(request.params.id);
    if (body.state === 'parked') {
      throw new HttpError(409, 'parked', `Parked jobs wait for '${connection.name}' to be re-authorised: re-authorise it and they resume by themselves.`);
    }
    return answer(await retryAllJobs(work, connection, { state: body.state, task: body.task }, requestActor(request)));
  });

  app.post<ById>('/api/connections/:id/work/cancel', async (request): Promise<WorkActionResult> => {
    const body = parseBody(WorkBulkBody, request.body);
    const connection = await load(request.params.id);
    return answer(await cancelAllJobs(work, connection, { state: body.state, task: body.task }, requestActor(request)));
  });
}
