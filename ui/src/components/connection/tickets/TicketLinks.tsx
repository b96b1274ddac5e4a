// The Tickets tab's list of conversation ↔ ticket links made so far, with each stage named from
// the live pipelines when they could be read.
import type { TicketLinkList } from '../../../../../src/http/api-types.ts';
import { api } from '../../../api.ts';
import { useApiData } from '../../../use-api-data.ts';
import { ErrorAlert } from '../../ErrorAlert.tsx';
import type { Pipeline } from './tickets-model.ts';

type TicketLink = TicketLinkList['links'][number];

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

const statusText: Record<TicketLink['status'], string> = { active: 'Active', deleted: 'Deleted', failed: 'Failed' };
const stateText: Record<string, string> = { open: 'Open', snoozed: 'Snoozed', closed: 'Closed', reopened: 'Reopened' };

export function TicketLinks({ connectionId, pipelines }: { connectionId: string; pipelines: readonly Pipeline[] | null }) {
  const list = useApiData(async () => (await api.listTicketLinks(connectionId)).links, [connectionId]);
  const { data: links, error, loading } = list;

  // Stage ids are unique within a portal, so the label can be looked up without knowing the pipeline.
  const stages = new Map((pipelines ?? []).flatMap((pipeline) => pipeline.stages.map((stage) => [stage.id, { stage, pipeline }] as const)));

  return (
    <section class="card section-card" aria-labelledby="ticket-links-heading">
      <div class="card-header">
        <h2 id="ticket-links-heading">Linked tickets</h2>
        <p class="card-description">
          Each conversation and the HubSpot ticket made for it, newest first (the latest 200). A conversation never gets a second ticket: not through
          retries, repeated webhooks or a restart.
        </p>
      </div>
      <div class="toolbar">
        <p class="toolbar-note">{links && links.length > 0 ? (links.length === 1 ? 'One linked ticket.' : `${links.length} linked tickets.`) : ''}</p>
        <button type="button" class="button button-secondary button-small" disabled={loading} onClick={() => void list.reload()}>
          Refresh
        </button>
      </div>
      {error ? <ErrorAlert error={error} title="Couldn’t load the linked tickets." /> : null}
      {links === null ? (
        error ? null : (
          <p class="muted" aria-busy="true">
            Loading the linked tickets…
          </p>
        )
      ) : links.length === 0 ? (
        <p class="empty-inline">No tickets yet. A conversation gets one when routing sends it to Ticket and the ticket policy is on.</p>
      ) : (
        <div class="table-wrap">
          <table class="data-table ticket-links-table">
            <caption class="visually-hidden">Linked tickets, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Conversation</th>
                <th scope="col">HubSpot ticket</th>
                <th scope="col">Stage</th>
                <th scope="col">Conversation state</th>
                <th scope="col">Status</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {links.map((link) => {
                const known = link.stageId ? stages.get(link.stageId) : undefined;
                const at = new Date(link.updatedAt);
                return (
                  <tr key={link.conversationId}>
                    <td class="mono">{link.conversationId}</td>
                    <td class="mono">{link.ticketId ?? <span class="muted">—</span>}</td>
                    <td>
                      {known ? (
                        <>
                          {known.stage.label}
                          <span class="cell-sub">
                            {known.pipeline.label}
                            {known.stage.closed ? ' · closed' : ''}
                          </span>
                        </>
                      ) : link.stageId ? (
                        <>
                          <span class="mono">{link.stageId}</span>
                          <span class="cell-sub">{pipelines ? 'no longer in HubSpot' : link.stageClosed ? 'closed' : ''}</span>
                        </>
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                    <td>{link.state ? (stateText[link.state] ?? link.state) : <span class="muted">—</span>}</td>
                    <td class="cell-reason">
                      <span class={`outcome-badge ticket-status-${link.status}`}>{statusText[link.status]}</span>
                      {link.problem ? <span class="cell-sub reason-failed">{link.problem}</span> : null}
                    </td>
                    <td>
                      <time dateTime={at.toISOString()} title={at.toISOString()}>
                        {dateFormat.format(at)}
                        <span class="time-clock">{timeFormat.format(at)}</span>
                      </time>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
