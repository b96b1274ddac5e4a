// The Tickets tab's "What the ticket says": the subject and description templates with their
// placeholders, and the priority mapping.
import { Link } from '../../Link.tsx';
import { type FieldErrors, TextField } from '../SettingsControls.tsx';
import { connectionPath } from '../tabs.ts';
import { PriorityFields } from './PriorityFields.tsx';
import type { SetTickets, Tickets } from './tickets-model.ts';

const placeholders: ReadonlyArray<{ name: string; text: string }> = [
  { name: '{subject}', text: 'the conversation’s title, or its email subject' },
  { name: '{id}', text: 'the Intercom conversation id' },
  { name: '{customer}', text: 'the customer’s name, or their email' },
  { name: '{company}', text: 'the customer’s company' },
  { name: '{link}', text: 'the conversation’s address in Intercom' },
];

export function TicketContentCard({ connectionId, draft, set, errors, readOnly }: {
  connectionId: string;
  draft: Tickets;
  set: SetTickets;
  errors: FieldErrors;
  readOnly: boolean;
}) {
  return (
    <section class="card settings-card" aria-labelledby="ticket-content-heading">
      <div class="card-header">
        <h2 id="ticket-content-heading">What the ticket says</h2>
        <p class="card-description">
          The subject and description are filled in from the conversation. The ticket’s owner is the teammate’s HubSpot owner from the{' '}
          <Link href={connectionPath(connectionId, 'users')}>Users tab</Link>; it is associated with the contact and company, and the transcript note is
          on it too.
        </p>
      </div>
      <fieldset class="settings-fieldset stack" disabled={readOnly}>
        <div class="placeholder-help">
          <p class="label">Placeholders</p>
          <ul class="placeholder-list">
            {placeholders.map((placeholder) => (
              <li key={placeholder.name}>
                <code>{placeholder.name}</code> {placeholder.text}
              </li>
            ))}
          </ul>
        </div>
        <TextField
          id="ticket-subject"
          label="Subject"
          hint="When it comes out empty, the subject is “Intercom conversation” and the id. Cut at 255 characters."
          value={draft.subjectTemplate}
          error={errors.get('tickets.subjectTemplate')}
          onChange={(subjectTemplate) => set({ subjectTemplate })}
        />
        <div class="field">
          <label for="ticket-description" class="label">
            Description
          </label>
          <p id="ticket-description-hint" class="hint">
            Plain text, shown as the ticket’s description in HubSpot. A reference line is added under it, so a ticket is never made twice.
          </p>
          <textarea
            id="ticket-description"
            class="input textarea"
            rows={3}
            value={draft.descriptionTemplate}
            aria-describedby="ticket-description-hint"
            aria-invalid={errors.has('tickets.descriptionTemplate') ? true : undefined}
            onInput={(event) => set({ descriptionTemplate: event.currentTarget.value })}
          />
        </div>
        <PriorityFields draft={draft} set={set} errors={errors} />
      </fieldset>
    </section>
  );
}
