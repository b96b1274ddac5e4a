// API Push (DESIGN.md §1: "an authenticated HTTP endpoint that captures one conversation now") and
// the activity log. Thin: src/capture/ decides, these translate to HTTP.
import { RetryAfterError } from '../../jobs/outcomes.ts';
import type { FastifyInstance } from 'fastify';
import { listActivity } from '../../activity/activity-log.ts';
import { CaptureRefusedError, captureConversation, type CaptureDeps } from '../../capture/capture-conversation.ts';
import { getConnection } from '../../db/repos/connections.ts';
import { UpstreamError } from '../../integrations/upstream-error.ts';
import { TicketSettingsError } from '../../tickets/ticket-pipeline.ts';
import { ActivityQuery, PushBody, type ActivityList, type PushResult } from '../api-types.ts';
import { HttpError, notFound, parseBody } from '../errors.ts';

type ById = { Params: { id: string } };

/** What a failed push (or record sync) answers: the vendor's words, and whether trying again later can help. */
export function upstreamFailure(error: UpstreamError): HttpError {
  const vendor = error.details.service === 'intercom' ? 'Intercom' : 'HubSpot';
  if (error.kind === 'rate_limited') {
    const seconds = Math.max(1, Math.ceil((error.details.retryAfterMs ?? 10_000) / 1000));
    return new HttpError(503, 'upstream_rate_limited', `${vendor}'s rate limit is reached; try again in ${seconds} s.`, { headers: { 'retry-after': String(seconds) } });
  }
  return new HttpError(502, 'upstream_error', `${vendor} refused or failed the request: ${error.message}`);
}

export function captureRoutes(app: FastifyInstance, deps: { capture: CaptureDeps }): void {
  // `push` API tokens may call this route and no other (src/auth/token-scope.ts).
  app.post<{ Params: { id: string; conversationId: string } }>('/api/connections/:id/conversations/:conversationId/push', { config: { push: true } }, async (request): Promise<PushResult> => {
    const body = parseBody(PushBody, request.body ?? {});
    try {
      return await captureConversation(deps.capture, request.params.id, request.params.conversationId, {
        trigger: request.caller?.kind === 'session' ? 'ui' : 'api',
        force: body.force,
        dryRun: body.dryRun,
        // Nobody retries a push but its caller: every failure is the last word.
        isFinal: () => true,
      });
    } catch (error) {
      if (error instanceof CaptureRefusedError) throw new HttpError(error.status, error.code, error.message);
      if (error instanceof TicketSettingsError) throw new HttpError(409, 'ticket_settings', error.message, { details: error.problems.map((problem) => ({ path: problem.key, message: problem.message })) });
      if (error instanceof UpstreamError) throw upstreamFailure(error);
      // The capture must wait (HubSpot's search has not caught up with a create whose answer was
      // lost): a job would retry later by itself; the push's caller is told when to.
      if (error instanceof RetryAfterError && error.outcome.type === 'retry_after') {
        const seconds = Math.max(1, Math.ceil(error.outcome.delayMs / 1000));
        throw new HttpError(503, 'retry_later', `${error.message}. Push again in ${seconds} s.`, { headers: { 'retry-after': String(seconds) } });
      }
      throw error;
    }
  });

  app.get<ById & { Querystring: Record<string, string> }>('/api/connections/:id/activity', async (request): Promise<ActivityList> => {
    if (!(await getConnection(deps.capture.db, request.params.id))) throw notFound('A connection with that id');
    const query = parseBody(ActivityQuery, request.query);
    const rows = await listActivity(deps.capture.db, { connectionId: request.params.id, ...query });
    return {
      entries: rows.map((row) => ({
        id: row.id, at: row.at, kind: row.kind, subjectId: row.subject_id, outcome: row.outcome, reason: row.reason,
        detail: JSON.parse(row.detail) as Record<string, unknown>, apiCalls: row.api_calls, durationMs: row.duration_ms,
      })),
      next: rows.length === (query.limit ?? 50) ? (rows.at(-1)?.id ?? null) : null,
    };
  });
}
