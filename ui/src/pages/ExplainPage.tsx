// One conversation's explainer (issue #16 item 4): what happened and why — webhooks, sweeps, the
// triggers they set, guard verdicts, the routing rule, matching with its candidates, vendor calls,
// failures with the vendor's words — what was written in HubSpot, and a replay with the current
// settings. Reached from any activity row, and from the box on the connection's Activity tab.
import type { ConversationExplanation } from '../../../src/http/api-types.ts';
import { api } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { ReplayPanel } from '../components/explain/ReplayPanel.tsx';
import { Timeline } from '../components/explain/Timeline.tsx';
import { WrittenRecords } from '../components/explain/WrittenRecords.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { OutcomeBadge } from '../components/connection/PushBox.tsx';
import { connectionPath } from '../components/connection/tabs.ts';
import { useApiData } from '../use-api-data.ts';

export function ExplainPage({ connectionId, conversationId }: { connectionId: string; conversationId: string }) {
  const story = useApiData<ConversationExplanation>(() => api.explainConversation(connectionId, conversationId), [connectionId, conversationId]);
  const data = story.data;
  const back = <Link href={`/connections/${encodeURIComponent(connectionId)}/activity`}>← {data ? data.connection.name : 'Connection'} · Activity</Link>;
  return (
    <>
      <PageHeading
        title={`Conversation ${conversationId}`}
        documentTitle={`Explain conversation ${conversationId}`}
        back={back}
        meta={data ? <OutcomeBadge outcome={data.outcome.decision.outcome === 'nothing' ? 'pending' : data.outcome.decision.outcome} /> : null}
        description="What happened to this conversation and why, from the ids, decisions and times Interhubz keeps — never its messages."
      />
      {story.error ? <ErrorAlert error={story.error} title="Couldn’t explain this conversation." /> : null}
      {data === null ? (
        story.error ? null : (
          <p class="muted" aria-busy="true">
            Loading the story…
          </p>
        )
      ) : (
        <div class="explain-page">
          <section class="card" aria-labelledby="outcome-heading">
            <div class="card-header">
              <h2 id="outcome-heading">What was written</h2>
              <p class="card-description explain-outcome-summary">{data.outcome.summary}</p>
            </div>
            <div class="explain-outcome">
              <WrittenRecords records={data.outcome.records} />
              {/* Retrying (it has a last error) or parked: the work the Failed & waiting tab lists. */}
              {data.timeline.some((entry) => entry.kind === 'pending_job' && (entry.failed || entry.detail['status'] === 'parked')) ? (
                <p>
                  Its capture has not gone through yet: <Link href={connectionPath(connectionId, 'work')}>see it in Failed &amp; waiting</Link>, where it can be run now or cancelled.
                </p>
              ) : null}
              {data.conversation.intercomUrl ? (
                <p>
                  <a href={data.conversation.intercomUrl} target="_blank" rel="noopener noreferrer">
                    Open the conversation in Intercom<span class="visually-hidden"> (opens in a new tab)</span>
                  </a>
                </p>
              ) : null}
            </div>
          </section>
          <section class="card" aria-labelledby="timeline-heading">
            <div class="card-header">
              <h2 id="timeline-heading">Timeline</h2>
              <p class="card-description">Oldest first. Each capture run groups its guard verdicts, routing, matching and vendor calls.</p>
            </div>
            <div class="toolbar">
              <button type="button" class="button button-secondary button-small" disabled={story.loading} onClick={() => void story.reload()}>
                Refresh
              </button>
            </div>
            <Timeline entries={data.timeline} />
          </section>
          <ReplayPanel connectionId={connectionId} conversationId={conversationId} />
        </div>
      )}
    </>
  );
}
