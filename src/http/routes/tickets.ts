// The Tickets tab's data: the linkage records (conversation ↔ ticket) and the live ticket
// pipelines for the pickers, with what the connection's current settings resolve to.
import type { FastifyInstance } from 'fastify';
import type { ConnectionClients } from '../../connections/clients.ts';
import { getConnection } from '../../db/repos/connections.ts';
import { UpstreamError } from '../../integrations/upstream-error.ts';
import { isClosedStage, resolvePipeline } from '../../tickets/resolve-pipeline.ts';
import { TICKET_PERMISSION_WARNING, TICKET_SETTINGS_WARNING, type TicketPipelineDeps } from '../../tickets/ticket-pipeline.ts';
import { clearWarning, listTicketLinks } from '../../tickets/ticket-store.ts';
import type { TicketLinkList, TicketPipelines } from '../api-types.ts';
import { HttpError, notFound } from '../errors.ts';

type ById = { Params: { id: string } };

const live = <T extends { archived: boolean; displayOrder: number }>(items: readonly T[]): T[] =>
  items.filter((item) => !item.archived).toSorted((a, b) => a.displayOrder - b.displayOrder);

export function ticketRoutes(app: FastifyInstance, deps: { clients: ConnectionClients; tickets: TicketPipelineDeps }): void {
  const load = async (id: string) => (await getConnection(deps.tickets.db, id)) ?? Promise.reject(notFound('A connection with that id'));

  app.get<ById>('/api/connections/:id/tickets', async (request): Promise<TicketLinkList> => {
    const row = await load(request.params.id);
    const rows = await listTicketLinks(deps.tickets.db, { connectionId: row.id, limit: 200 });
    return {
      links: rows.map((link) => ({
        conversationId: link.conversation_id, ticketId: link.ticket_id, status: link.status, stageId: link.stage_id, stageClosed: link.stage_closed === 1,
        state: link.state, problem: link.problem, updatedAt: link.updated_at,
      })),
    };
  });

  app.get<ById>('/api/connections/:id/hubspot/pipelines', async (request): Promise<TicketPipelines> => {
    const row = await load(request.params.id);
    if (row.hubspotPortalId === null) throw new HttpError(409, 'not_connected', 'Connect HubSpot first: the pipelines are read from the portal.');
    deps.tickets.pipelines.forget(row.id);
    try {
      const { pipelines, readAt } = await deps.tickets.pipelines.get(row.id, deps.clients.hubspot(row));
      const resolution = resolvePipeline(pipelines, row.settings.tickets, `${deps.tickets.settingsKey(row)}.tickets`);
      // The Tickets tab reloads this after a save: a mapping fixed there should not leave the
      // connection's warning standing until the next capture happens to resolve it.
      await clearWarning(deps.tickets.db, row.id, TICKET_PERMISSION_WARNING, { raisedBefore: readAt });
      if (resolution.ok) await clearWarning(deps.tickets.db, row.id, TICKET_SETTINGS_WARNING, { raisedBefore: readAt });
      return {
        // In HubSpot's display order, which is also the order the empty-setting defaults are taken in.
        pipelines: live(pipelines).map((pipeline) => ({
          id: pipeline.id, label: pipeline.label,
          stages: live(pipeline.stages).map((stage) => ({ id: stage.id, label: stage.label, closed: isClosedStage(stage) })),
        })),
        problems: resolution.ok ? [] : resolution.problems,
      };
    } catch (error) {
      if (error instanceof UpstreamError) throw new HttpError(502, 'upstream_error', `HubSpot did not list the ticket pipelines: ${error.message}`);
      throw error;
    }
  });
}
