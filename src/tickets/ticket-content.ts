// What a ticket created for a conversation says (DESIGN.md §1 "Tickets"; hubspot-api.md §8): its
// properties from the connection's templates and priority mapping. Pure. HubSpot shows a ticket's
// subject and content as plain text, so nothing here is HTML-escaped or formatted.
import type { TicketSettings } from '../config/connection-settings.ts';
import type { IntercomConversation } from '../integrations/intercom/conversations.ts';

/** HubSpot's limit for single-line text properties such as `subject`. */
export const TICKET_SUBJECT_MAX = 255;

/**
 * `{name}` → values[name], in one pass, so a value containing `{id}` stays as written. A
 * placeholder with no value is left as-is: the user sees their typo on the ticket rather than a
 * silent gap.
 */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (placeholder, name: string) => (Object.hasOwn(values, name) ? (values[name] ?? placeholder) : placeholder));
}

export interface TicketInput {
  conversation: IntercomConversation;
  /** The customer's name, else their email. */
  customer: string;
  company: string;
  /** The conversation in Intercom's inbox. */
  link: string;
  /** Written into the content, so a ticket whose id was lost in a crash can be found again. */
  reference: string;
  ownerId: string | null;
  stageId: string;
  pipelineId: string;
  settings: TicketSettings;
}

const firstText = (...values: (string | null | undefined)[]) => values.map((value) => value?.trim() ?? '').find((value) => value !== '') ?? '';

/** The title a teammate (or Intercom) gave the conversation, else the email subject. */
function conversationSubject(conversation: Pick<IntercomConversation, 'title' | 'source'>): string {
  return firstText(conversation.title, conversation.source?.subject);
}

/** A subject is one line; an ellipsis says the cut was ours. Never splits a surrogate pair. */
function clampSubject(subject: string): string {
  const line = subject.replace(/\s+/g, ' ').trim();
  if (line.length <= TICKET_SUBJECT_MAX) return line;
  let cut = TICKET_SUBJECT_MAX - 1;
  const last = line.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${line.slice(0, cut).trimEnd()}…`;
}

export function ticketProperties(input: TicketInput): Record<string, string> {
  const { conversation, settings } = input;
  const values = { subject: conversationSubject(conversation), id: conversation.id, customer: input.customer, company: input.company, link: input.link };
  const subject = clampSubject(fillTemplate(settings.subjectTemplate, values)) || `Intercom conversation ${conversation.id}`;
  const description = fillTemplate(settings.descriptionTemplate, values).trim();
  const footer = `ref ${input.reference}`;
  // Intercom's flag is 'priority' or 'not_priority'; anything else is treated as not flagged.
  const priority = (conversation.priority === 'priority' ? settings.priorities.priority : settings.priorities.notPriority).trim();
  return {
    subject,
    content: description === '' ? footer : `${description}\n\n${footer}`,
    hs_pipeline: input.pipelineId,
    hs_pipeline_stage: input.stageId,
    ...(priority !== '' && { hs_ticket_priority: priority }),
    ...(input.ownerId !== null && input.ownerId !== '' && { hubspot_owner_id: input.ownerId }),
  };
}
