// The Tickets tab's direction from HubSpot back to Intercom: what closing (and reopening) a ticket
// in HubSpot does to its conversation.
import { type Choice, RadioGroup, Switch } from '../SettingsControls.tsx';
import type { SetTickets, Tickets } from './tickets-model.ts';

const whenClosedChoices: ReadonlyArray<Choice<Tickets['whenClosedInHubSpot']>> = [
  { value: 'nothing', label: 'Nothing', description: 'The conversation stays as it is in Intercom.' },
  { value: 'close', label: 'Close the conversation', description: 'Moving the ticket to a closed stage closes the Intercom conversation.' },
  { value: 'note', label: 'Add an internal note', description: 'The conversation stays open; teammates see a note that the ticket was closed.' },
];

export function BackToIntercomCard({ draft, set, readOnly }: { draft: Tickets; set: SetTickets; readOnly: boolean }) {
  return (
    <section class="card settings-card" aria-labelledby="ticket-back-heading">
      <div class="card-header">
        <h2 id="ticket-back-heading">From HubSpot back to Intercom</h2>
        <p class="card-description">
          What happens in Intercom when someone moves the ticket in HubSpot. Changes Interhubz makes itself are recognised, so the two never bounce a
          change back and forth.
        </p>
      </div>
      <fieldset class="settings-fieldset stack" disabled={readOnly}>
        <RadioGroup
          name="ticket-when-closed"
          legend="When a ticket is closed in HubSpot"
          choices={whenClosedChoices}
          value={draft.whenClosedInHubSpot}
          onChange={(whenClosedInHubSpot) => set({ whenClosedInHubSpot })}
        />
        <Switch
          id="ticket-reopen"
          label="Reopening the ticket reopens the conversation"
          hint={
            draft.whenClosedInHubSpot === 'nothing'
              ? 'Only with “Close the conversation” or “Add an internal note” above.'
              : 'When the ticket moves from a closed stage back to an open one.'
          }
          checked={draft.reopenInIntercom}
          disabled={draft.whenClosedInHubSpot === 'nothing'}
          onChange={(reopenInIntercom) => set({ reopenInIntercom })}
        />
      </fieldset>
    </section>
  );
}
