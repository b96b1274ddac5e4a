// The Inbox app's canvases, from gathered facts (inbox-facts.ts) and what an action just did. Pure:
// facts in, components out; canvasResponse (canvas-components.ts) bounds the size.
//
// Component ids are the app's own contract with itself (the submit URL dispatches on them):
// push, push_anyway, create_ticket, link_ticket, ticket_search (with the input ticket_query),
// link:<ticket id> (a search result), back, refresh; open_* are links to HubSpot.
import type { Component, ListItem } from './canvas-components.ts';
import { clip, dataTable, divider, header, linkButton, muted, submitButton, text } from './canvas-components.ts';
import type { InboxFacts, HubSpotContactFacts, RecordsOwner } from './inbox-facts.ts';

export const ACTION_IDS = {
  push: 'push',
  pushAnyway: 'push_anyway',
  createTicket: 'create_ticket',
  linkTicket: 'link_ticket',
  ticketSearch: 'ticket_search',
  ticketQuery: 'ticket_query',
  back: 'back',
  refresh: 'refresh',
} as const;
export const LINK_PREFIX = 'link:';

/** What an action came to, shown above the facts. */
export interface ActionResult {
  ok: boolean;
  message: string;
  /** A guard stopped the push: offer to push anyway. */
  offerPushAnyway?: boolean;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** "2026-12-05 01:04 UTC": the Inbox shows it beside the conversation, in one zone for everyone. */
function formatTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function amountText(value: number | string | null): string {
  if (value === null || value === '') return 'no amount';
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return clip(String(value), 30);
  const [whole = '0', cents] = n.toFixed(2).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return cents === '00' ? grouped : `${grouped}.${cents}`;
}

/** Why that owner: the assignee's mapped owner needs no word; an override or the fallback does. */
const OWNER_SOURCE: Record<RecordsOwner['source'], string> = { email: '', override: ' (override)', default: ' (default owner)', none: '' };

/** The owner a push gives the note and ticket (the user mapping), which is not the contact's owner. */
function recordsOwnerText(owner: RecordsOwner): string {
  if (owner.name === null) return 'nobody (no user mapping, no default owner)';
  return `${owner.name}${OWNER_SOURCE[owner.source]}`;
}

function contactSection(facts: HubSpotContactFacts, owner: RecordsOwner): Component[] {
  const out: Component[] = [
    header(facts.name),
    dataTable([
      ['Email', facts.email],
      // The HubSpot contact's own owner: a push never sets it (it owns the note and ticket instead).
      ['Contact owner', facts.ownerName ?? 'none in HubSpot'],
      // The note and ticket a push writes (and the ticket a link associates) are owned by the user mapping's owner.
      ['Notes owned by', recordsOwnerText(owner)],
      ['Lifecycle stage', facts.lifecycleStage ?? 'not set'],
      ['Company', facts.company ? `${facts.company.name}${facts.company.domain ? ` (${facts.company.domain})` : ''}` : 'none'],
    ]),
  ];
  if (facts.url) out.push(linkButton('open_contact', 'Open contact in HubSpot', facts.url));
  if (facts.company?.url) out.push(linkButton('open_company', 'Open company in HubSpot', facts.company.url));
  out.push(divider());
  if ('problem' in facts.deals) out.push(muted(`Deals: ${facts.deals.problem}.`));
  else if (facts.deals.count === 0) out.push(text('No open deals.'));
  else {
    out.push(text(`${facts.deals.count} open deal${facts.deals.count === 1 ? '' : 's'}, ${amountText(facts.deals.total)} in total`));
    const items: ListItem[] = facts.deals.top.map((deal) => ({ type: 'item', id: `deal:${deal.id}`, title: clip(deal.name), subtitle: clip(deal.stage), tertiary_text: amountText(deal.amount) }));
    out.push({ type: 'list', items });
  }
  return out;
}

function hubspotSection(facts: InboxFacts): Component[] {
  const side = facts.hubspot;
  switch (side.kind) {
    case 'read':
      return contactSection(side.facts, facts.recordsOwner);
    case 'no_contact':
      return [text('This conversation has no customer contact yet.', 'muted')];
    case 'unpaired':
      return [
        header('Not in HubSpot yet'),
        text('This customer is not paired with a HubSpot contact. A push would look for one:'),
        ...(side.lookups.length > 0 ? [dataTable(side.lookups.map((lookup, index) => [`Search ${index + 1}`, lookup]))] : [muted('no search applies to this customer (no usable email, phone or id).')]),
        muted(`If none is found, ${side.onNoMatch}.`),
        muted(`Its note and ticket would be owned by ${recordsOwnerText(facts.recordsOwner)}.`),
      ];
    case 'gone':
      return [text(`The paired HubSpot contact ${side.hubspotId} is gone (deleted or merged); the next push finds or creates it again.`, 'error')];
    case 'busy':
      return [text(`HubSpot is busy, try again in ${seconds(side.waitMs)} s.`, 'error')];
    case 'slow':
      // The read goes on in the background and fills the cache: the next Refresh shows it.
      return [text('HubSpot is slow: showing what Interhubz knows. Press Refresh in a moment for the HubSpot contact.', 'error')];
    case 'failed':
      return [text(`HubSpot could not be read: ${side.message}`, 'error')];
  }
}

function ticketSection(facts: InboxFacts): Component[] {
  const ticket = facts.ticket;
  if (!ticket) return [muted('No HubSpot ticket is linked to this conversation.')];
  if (ticket.status === 'deleted') return [text(`The linked ticket${ticket.ticketId ? ` ${ticket.ticketId}` : ''} is gone from HubSpot: ${ticket.problem ?? 'deleted'}.`, 'muted')];
  if (ticket.status === 'failed' || !ticket.ticketId) return [text(`The ticket could not be made: ${ticket.problem ?? 'no reason recorded'}.`, 'error')];
  const other = ticket.otherPipeline;
  return [
    dataTable([['Ticket', ticket.ticketId], ['Stage', ticket.stage ?? 'unknown']]),
    ...(other ? [muted(`This ticket is in the pipeline '${clip(other.ticketPipeline, 80)}', not this connection\u2019s '${clip(other.connectionPipeline, 80)}': its stage does not follow the conversation until the conversation is next opened, snoozed or closed, which moves it into '${clip(other.connectionPipeline, 80)}'.`)] : []),
    ...(ticket.url ? [linkButton('open_ticket', 'Open ticket in HubSpot', ticket.url)] : []),
  ];
}

function captureSection(facts: InboxFacts): Component[] {
  const { decision, capturedAt } = facts.capture;
  const lines: Component[] = [];
  if (capturedAt !== null) lines.push(text(`Last captured ${formatTime(capturedAt)}.`));
  if (!decision) {
    if (capturedAt === null) lines.push(muted('Not captured yet.'));
    return lines;
  }
  const at = decision.at === null ? '' : ` (${formatTime(decision.at)})`;
  if (decision.outcome === 'skipped') {
    const by = decision.guard ? ` by the guard ${decision.guard}` : decision.rule ? ` by the routing rule "${decision.rule}"` : '';
    lines.push(text(`Skipped${by}${at}: ${decision.reason ?? 'no reason recorded'}.`, 'muted'));
  } else if (decision.outcome === 'failed') {
    lines.push(text(`The last capture failed${at}: ${decision.reason ?? 'no message recorded'}`, 'error'));
  } else if (capturedAt === null && decision.outcome !== 'nothing') {
    lines.push(text(`Last decision${at}: ${decision.outcome}.`));
  }
  return lines;
}

/** A group conversation: the card is about one customer, the buttons act on the conversation's first. */
function actsOnNote(facts: InboxFacts): Component[] {
  const other = facts.actsOn;
  if (!other) return [];
  const where = other.hubspotId ? `HubSpot contact ${other.hubspotId}` : 'not in HubSpot yet';
  return [muted(`Group conversation: Push, Create ticket and Link act on its first customer (Intercom contact ${clip(other.intercomContactId, 40)}, ${where}), not on the customer shown above.`)];
}

function actions(facts: InboxFacts, result: ActionResult | undefined): Component[] {
  const skippedByGuard = facts.capture.decision?.outcome === 'skipped' && facts.capture.decision.guard !== null;
  const buttons: Component[] = [...actsOnNote(facts), submitButton(ACTION_IDS.push, 'Push to HubSpot now', 'primary')];
  if (result?.offerPushAnyway || skippedByGuard) buttons.push(submitButton(ACTION_IDS.pushAnyway, 'Push anyway (ignore the guards)'));
  if (!facts.ticket || facts.ticket.status !== 'active' || !facts.ticket.ticketId) {
    buttons.push(submitButton(ACTION_IDS.createTicket, 'Create ticket'));
    buttons.push(submitButton(ACTION_IDS.linkTicket, 'Link to an existing HubSpot ticket'));
  }
  buttons.push(submitButton(ACTION_IDS.refresh, 'Refresh', 'link'));
  return buttons;
}

/** The main canvas: the result of what was just done, then the facts, then the buttons. */
export function inboxCanvas(facts: InboxFacts, result?: ActionResult): Component[] {
  return [
    ...(result ? [text(result.message, result.ok ? 'paragraph' : 'error'), divider()] : []),
    ...hubspotSection(facts),
    divider(),
    ...ticketSection(facts),
    ...captureSection(facts),
    ...(facts.alsoOnWorkspace.length > 0 ? [muted(`Shown for the connection '${facts.connection.name}'; this workspace is also on ${facts.alsoOnWorkspace.map((name) => `'${name}'`).join(', ')}.`)] : []),
    divider(),
    ...actions(facts, result),
  ];
}

export interface TicketHit {
  id: string;
  subject: string;
  stage: string;
}

/** Searching for a ticket to link: the input, and the results of the last search (each a submit). */
export function linkTicketCanvas(input: { query: string; hits: TicketHit[] | null; message?: string }): Component[] {
  const out: Component[] = [
    header('Link to an existing HubSpot ticket'),
    { type: 'input', id: ACTION_IDS.ticketQuery, label: 'Ticket subject or id', placeholder: 'e.g. Invoice question, or 1234567', ...(input.query ? { value: clip(input.query, 200) } : {}) },
    submitButton(ACTION_IDS.ticketSearch, 'Search', 'primary'),
  ];
  if (input.message) out.push(text(input.message, 'error'));
  if (input.hits !== null) {
    if (input.hits.length === 0) out.push(muted('No ticket found.'));
    else {
      out.push(muted('Pick the ticket to link:'));
      out.push({ type: 'list', items: input.hits.map((hit) => ({ type: 'item', id: `${LINK_PREFIX}${hit.id}`, title: clip(hit.subject) || `Ticket ${hit.id}`, subtitle: clip(hit.stage), tertiary_text: `#${hit.id}`, action: { type: 'submit' } })) });
    }
  }
  out.push(submitButton(ACTION_IDS.back, 'Back', 'link'));
  return out;
}

/** When nothing about the conversation can be shown (no conversation in the request). */
export function problemCanvas(message: string): Component[] {
  return [text(message, 'error')];
}
