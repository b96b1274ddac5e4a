// What an Inbox app activity entry (kind 'inbox', written by inbox-actions.ts recordInboxAction)
// says in one line: the teammate and the button. Pure, no imports: the explainer's timeline uses it.

/** The buttons as the card labels them (inbox-view.ts), by the action the entry records. */
const ACTION_LABELS: Record<string, string> = {
  push: 'Push to HubSpot now',
  push_anyway: 'Push anyway',
  create_ticket: 'Create ticket',
  link_ticket: 'Link to an existing HubSpot ticket',
  refresh: 'Refresh',
};

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

/**
 * "Ana Agent clicked “Push to HubSpot now” in the Inbox app" from an entry's detail; the teammate by
 * Intercom admin id when the request named no name.
 */
export function inboxClickSummary(detail: Record<string, unknown>): string {
  const teammate = detail['teammate'] !== null && typeof detail['teammate'] === 'object' ? (detail['teammate'] as Record<string, unknown>) : {};
  const id = text(teammate['id']);
  const who = text(teammate['name']) ?? (id ? `teammate ${id}` : 'a teammate');
  const action = text(detail['action']);
  const button = action ? (ACTION_LABELS[action] ?? action) : null;
  return `${who} clicked ${button ? `\u201c${button}\u201d` : 'a button'} in the Inbox app`;
}
