// HubSpot's ticket priority for Intercom's priority flag, and for the other conversations.
import { type FieldErrors, TextField } from '../SettingsControls.tsx';
import type { SetTickets, Tickets } from './tickets-model.ts';

export function PriorityFields({ draft, set, errors }: { draft: Tickets; set: SetTickets; errors: FieldErrors }) {
  return (
    <fieldset class="choice-group">
      <legend class="label">Priority</legend>
      <p class="hint">
        HubSpot’s ticket priority for Intercom’s priority flag: a value such as <code>LOW</code>, <code>MEDIUM</code>, <code>HIGH</code> or <code>URGENT</code>{' '}
        (HubSpot’s internal values, not the labels). Empty: no priority is set.
      </p>
      <div class="field-grid">
        <TextField
          id="ticket-priority-flagged"
          label="Conversations marked priority"
          value={draft.priorities.priority}
          mono
          error={errors.get('tickets.priorities.priority')}
          onChange={(priority) => set({ priorities: { ...draft.priorities, priority } })}
        />
        <TextField
          id="ticket-priority-other"
          label="Other conversations"
          value={draft.priorities.notPriority}
          mono
          placeholder="Not set"
          error={errors.get('tickets.priorities.notPriority')}
          onChange={(notPriority) => set({ priorities: { ...draft.priorities, notPriority } })}
        />
      </div>
    </fieldset>
  );
}
