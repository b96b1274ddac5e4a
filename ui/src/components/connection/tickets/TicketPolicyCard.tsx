// The Tickets tab's policy: whether routed conversations get a ticket, and when it is made.
import { Link } from '../../Link.tsx';
import { type Choice, RadioGroup } from '../SettingsControls.tsx';
import { connectionPath } from '../tabs.ts';
import type { SetTickets, Tickets } from './tickets-model.ts';

const policyChoices: ReadonlyArray<Choice<Tickets['policy']>> = [
  { value: 'none', label: 'No tickets', description: 'Conversations only become notes, even when routing sends them to Ticket.' },
  { value: 'per_conversation', label: 'One ticket per conversation', description: 'Each conversation gets its own ticket, made once and kept up to date.' },
  {
    value: 'reuse_open',
    label: 'Reuse the contact’s open ticket',
    description: 'A new conversation from a customer who already has an open ticket (made by this connection) joins that ticket; otherwise a new one is made.',
  },
];

const createWhenChoices: ReadonlyArray<Choice<Tickets['createWhen']>> = [
  { value: 'capture', label: 'When the conversation is captured', description: 'Together with the note, as the capture mode on the Capture tab says.' },
  {
    value: 'first_customer_message',
    label: 'As soon as the customer writes',
    description: 'The ticket exists while the conversation is still open, and its stage follows it from the first message.',
  },
];

export function TicketPolicyCard({ connectionId, draft, set, routed, off, readOnly }: {
  connectionId: string;
  draft: Tickets;
  set: SetTickets;
  /** Routing sends some conversations to Ticket. */
  routed: boolean;
  off: boolean;
  readOnly: boolean;
}) {
  return (
    <section class="card settings-card" aria-labelledby="ticket-policy-heading">
      <div class="card-header">
        <h2 id="ticket-policy-heading">Ticket policy</h2>
        <p class="card-description">
          Which conversations get a ticket is decided by routing on the <Link href={connectionPath(connectionId, 'capture')}>Capture tab</Link>:
          those whose rule (or the default destinations) includes <strong>Ticket</strong>. A rule can also use its own policy.
        </p>
      </div>
      {routed || off ? null : (
        <p class="notice">
          Routing sends no conversation to Ticket yet, so no ticket is made. Tick <strong>Ticket</strong> under Default destinations, or in a rule, on the{' '}
          <Link href={connectionPath(connectionId, 'capture')}>Capture tab</Link>.
        </p>
      )}
      <fieldset class="settings-fieldset stack" disabled={readOnly}>
        <RadioGroup name="ticket-policy" legend="Tickets for routed conversations" choices={policyChoices} value={draft.policy} onChange={(policy) => set({ policy })} />
        <RadioGroup name="ticket-create-when" legend="When the ticket is made" choices={createWhenChoices} value={draft.createWhen} onChange={(createWhen) => set({ createWhen })} />
      </fieldset>
    </section>
  );
}
