// The conversation explainer (issue #16 item 4): GET …/explain tells one conversation's story from
// stored ids, decisions and times; POST …/explain/replay runs the capture's dry run with the current
// settings next to what was done. Thin: src/explain decides and words; these translate to HTTP.
// Both read only — the replay writes nothing upstream or here — so a `read` token and a viewer may
// call both (`readsOnly`, src/auth/token-scope.ts).
import type { FastifyInstance } from 'fastify';
import { CaptureRefusedError, type CaptureDeps } from '../../capture/capture-conversation.ts';
import { getConnection } from '../../db/repos/connections.ts';
import { parseConversationSearch } from '../../activity/activity-search.ts';
import { explainConversation } from '../../explain/explain-conversation.ts';
import { replayConversation } from '../../explain/replay.ts';
import { RetryAfterError } from '../../jobs/outcomes.ts';
import { UpstreamError } from '../../integrations/upstream-error.ts';
import { TicketSettingsError } from '../../tickets/ticket-pipeline.ts';
import type { ConversationExplanation, ConversationRef, ReplayResult } from '../api-types.ts';
import { HttpError, notFound } from '../errors.ts';

type ByConversation = { Params: { id: string; conversationId: string } };

/** A conversation id as the activity search reads one (src/activity/activity-search.ts): never a path, a URL or a space. */
function checkId(conversationId: string): void {
  const parsed = parseConversationSearch(conversationId);
  if (!parsed.ok || parsed.search.conversationId !== conversationId) throw new HttpError(400, 'invalid_conversation_id', `'${conversationId.slice(0, 80)}' is not an Intercom conversation id.`);
}

const unknownConversation = (conversationId: string) =>
  new HttpError(404, 'unknown_conversation', `Nothing was received for conversation ${conversationId} on this connection, and Intercom has no conversation ${conversationId} in its workspace.`);

export function explainRoutes(app: FastifyInstance, deps: { capture: CaptureDeps }): void {
  const { capture } = deps;

  // What a person pasted (an id or the conversation's Intercom URL) as a conversation id: the
  // activity search's own reading (src/activity/activity-search.ts), for the UI's "explain" box,
  // which may import nothing from the server but api-types.
  app.get<{ Querystring: { input?: string } }>('/api/conversation-ref', async (request): Promise<ConversationRef> => {
    const parsed = parseConversationSearch(String(request.query.input ?? ''));
    if (!parsed.ok) throw new HttpError(400, 'invalid_conversation', `What was given ${parsed.problem}.`);
    return { conversationId: parsed.search.conversationId, workspaceId: parsed.search.workspaceId ?? null };
  });

  app.get<ByConversation>('/api/connections/:id/conversations/:conversationId/explain', async (request): Promise<ConversationExplanation> => {
    const { id, conversationId } = request.params;
    checkId(conversationId);
    const answer = await explainConversation(capture.db, id, conversationId, {
      now: capture.now(),
      // Only for a conversation nothing was received for: a 404 when Intercom does not know it either.
      intercomKnows: async () => {
        const row = await getConnection(capture.db, id);
        if (!row || row.status !== 'active' || row.intercomWorkspaceId === null) return null;
        try {
          await capture.clients.intercom(row).getConversation(conversationId);
          return true;
        } catch (error) {
          if (error instanceof UpstreamError && error.kind === 'not_found') return false;
          request.log.info({ err: error }, 'explain: could not ask Intercom about the conversation');
          return null;
        }
      },
    });
    if (answer.kind === 'unknown_connection') throw notFound('A connection with that id');
    if (answer.kind === 'unknown_conversation') throw unknownConversation(conversationId);
    return answer.explanation;
  });

  app.post<ByConversation>('/api/connections/:id/conversations/:conversationId/explain/replay', { config: { readsOnly: true } }, async (request): Promise<ReplayResult> => {
    const { id, conversationId } = request.params;
    checkId(conversationId);
    try {
      return await replayConversation(capture, id, conversationId);
    } catch (error) {
      if (error instanceof CaptureRefusedError) {
        if (error.code === 'unknown_conversation') throw unknownConversation(conversationId);
        throw new HttpError(error.status, error.code, error.message);
      }
      if (error instanceof TicketSettingsError) throw new HttpError(409, 'ticket_settings', error.message);
      if (error instanceof UpstreamError) {
        const vendor = error.details.service === 'intercom' ? 'Intercom' : 'HubSpot';
        throw new HttpError(502, 'upstream_error', `${vendor} refused or failed the replay's reads: ${error.message}`);
      }
      if (error instanceof RetryAfterError) throw new HttpError(503, 'retry_later', `${error.message}. Try the replay again in a moment.`);
      throw error;
    }
  });
}
