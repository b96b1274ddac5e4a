// The Tickets tab: whether and when conversations get a HubSpot ticket, the pipeline and the stage
// for each conversation state (pickers filled from the portal's live pipelines, so a value HubSpot
// does not have is visible before any ticket is refused), what the ticket says, what a ticket
// closed in HubSpot does in Intercom, and the conversation ↔ ticket links made so far.
import { useState } from 'preact/hooks';
import type { SettingsView } from '../../../../src/http/api-types.ts';
import { isChanged, useUnsavedGuard } from '../../use-unsaved-guard.ts';
import { ManagedNotice, SaveBar, SettingsLoading, type SaveState, useSave, useSettings } from './SettingsControls.tsx';
import { BackToIntercomCard } from './tickets/BackToIntercomCard.tsx';
import { type LivePipelines, usePipelines } from './tickets/live-pipelines.ts';
import { PipelineCard } from './tickets/PipelineCard.tsx';
import { TicketContentCard } from './tickets/TicketContentCard.tsx';
import { TicketLinks } from './tickets/TicketLinks.tsx';
import { TicketPolicyCard } from './tickets/TicketPolicyCard.tsx';
import type { Tickets } from './tickets/tickets-model.ts';

const FIELD_LABELS: Record<string, string> = {
  'tickets.policy': 'Ticket policy',
  'tickets.createWhen': 'When the ticket is made',
  'tickets.pipeline': 'Pipeline',
  'tickets.stages.open': 'Stage for open conversations',
  'tickets.stages.snoozed': 'Stage for snoozed conversations',
  'tickets.stages.closed': 'Stage for closed conversations',
  'tickets.stages.reopened': 'Stage for reopened conversations',
  'tickets.subjectTemplate': 'Subject',
  'tickets.descriptionTemplate': 'Description',
  'tickets.priorities.priority': 'Priority for conversations marked priority',
  'tickets.priorities.notPriority': 'Priority for other conversations',
  'tickets.whenClosedInHubSpot': 'When a ticket is closed in HubSpot',
  'tickets.reopenInIntercom': 'Reopening the ticket reopens the conversation',
};

const ticketsLabel = (path: string): string | null => FIELD_LABELS[path] ?? null;

export function TicketsTab({ connectionId, onChecked }: { connectionId: string; onChecked?: () => void }) {
  const { view, loadError, version, load, saved } = useSettings(connectionId);
  const live = usePipelines(connectionId, onChecked);
  const saving = useSave(
    connectionId,
    (next) => {
      saved(next);
      // The server's problems are about the stored settings: check the new ones.
      void live.reload();
    },
    'Saved. New tickets and stage changes use these settings.',
  );
  return (
    <>
      {view ? (
        <TicketsForm key={version} connectionId={connectionId} view={view} saving={saving} live={live} />
      ) : (
        <SettingsLoading error={loadError} what="ticket" onRetry={() => void load()} />
      )}
      <TicketLinks connectionId={connectionId} pipelines={live.data?.pipelines ?? null} />
    </>
  );
}

// Remounted after a save (so it starts from what the server stored): the save's state lives in the tab.
function TicketsForm({ connectionId, view, saving, live }: { connectionId: string; view: SettingsView; saving: SaveState; live: LivePipelines }) {
  const [draft, setDraft] = useState<Tickets>(view.settings.tickets);
  useUnsavedGuard(isChanged(draft, view.settings.tickets), 'ticket settings');
  const errors = saving.fieldErrors;
  const readOnly = view.managedByConfig;
  const set = (change: Partial<Tickets>) => setDraft((current) => ({ ...current, ...change }));
  const off = draft.policy === 'none';
  const routing = view.settings.conversations.routing;
  const routed = routing.defaultDestinations.includes('ticket') || routing.rules.some((rule) => rule.destinations.includes('ticket'));

  return (
    <form
      class="settings-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (!readOnly) void saving.save({ tickets: draft });
      }}
    >
      <ManagedNotice view={view} />
      <TicketPolicyCard connectionId={connectionId} draft={draft} set={set} routed={routed} off={off} readOnly={readOnly} />

      <PipelineCard draft={draft} set={set} live={live} readOnly={readOnly} errors={errors} off={off} />

      <TicketContentCard connectionId={connectionId} draft={draft} set={set} errors={errors} readOnly={readOnly} />

      <BackToIntercomCard draft={draft} set={set} readOnly={readOnly} />

      <SaveBar state={saving} label="Save ticket settings" labels={ticketsLabel} readOnly={readOnly} />
    </form>
  );
}
