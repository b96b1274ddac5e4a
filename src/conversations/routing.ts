// Destination routing (DESIGN.md §1): the connection's ordered rules decide where a captured
// conversation goes. Pure; the reason is written to the activity log, so it names the rule and
// the conditions that held but never a conversation's text or attribute values.
import { DESTINATIONS, type Destination, type RoutingRule, type RoutingSettings, type TicketPolicy } from '../config/connection-settings.ts';
import type { IntercomConversation } from '../integrations/intercom/conversations.ts';

export interface RouteDecision {
  /** Deduplicated, in the canonical order contact, company, ticket; empty = nowhere. */
  destinations: Destination[];
  /** The matching rule's name; null when the defaults apply. */
  rule: string | null;
  /** The matching rule's own ticket policy, when it sets one (else tickets.policy applies). */
  ticketPolicy?: TicketPolicy;
  reason: string;
}

type Condition = RoutingRule['when'];
/** A condition kind's test, or null when the rule does not use that kind. */
type Check = (when: Condition, conversation: IntercomConversation) => { holds: boolean; label: string } | null;

const fold = (value: string) => value.trim().toLowerCase();
const anyOf = (wanted: string[], actual: string | null | undefined, normalise: (value: string) => string) =>
  actual !== null && actual !== undefined && wanted.some((value) => normalise(value) === normalise(actual));
const same = (value: string) => value.trim();

// An empty list is "not given": the settings schema fills every list a rule leaves out with [] (its
// fields default before they are optional), so [] cannot mean "matches nothing".
const given = (list: string[] | undefined): list is string[] => list !== undefined && list.length > 0;

const CHECKS: readonly Check[] = [
  (when, conversation) => {
    if (!given(when.tags)) return null;
    const names = (conversation.tags?.tags ?? []).map((tag) => tag.name);
    const wanted = when.tags;
    return { holds: names.some((name) => anyOf(wanted, name, fold)), label: `tag ${wanted.join('/')}` };
  },
  (when, conversation) =>
    given(when.teams) ? { holds: anyOf(when.teams, conversation.team_assignee_id, same), label: `team ${when.teams.join('/')}` } : null,
  (when, conversation) =>
    given(when.assignees)
      ? { holds: anyOf(when.assignees, conversation.admin_assignee_id, same), label: `assignee ${when.assignees.join('/')}` }
      : null,
  // Intercom spells channels in lower case; a rule written "Email" means the same.
  (when, conversation) =>
    given(when.channels) ? { holds: anyOf(when.channels, conversation.source?.type, fold), label: `channel ${when.channels.join('/')}` } : null,
  // Intercom leaves priority out on conversations nobody prioritised: that is 'not_priority'.
  (when, conversation) =>
    when.priority === undefined ? null : { holds: (conversation.priority ?? 'not_priority') === when.priority, label: `priority ${when.priority}` },
  // Strict equality: a rule's "5" does not match the number 5, nor "true" the boolean true. Intercom
  // types each attribute, so the rule is written with the attribute's type (YAML: quote text).
  (when, conversation) => {
    const attribute = when.attribute;
    if (attribute === undefined) return null;
    const actual = conversation.custom_attributes?.[attribute.name];
    return { holds: actual === attribute.equals, label: `attribute ${attribute.name}` };
  },
];

/** The labels of the conditions that held, or null when one did not; [] for a rule without conditions. */
function matchRule(rule: RoutingRule, conversation: IntercomConversation): string[] | null {
  const labels: string[] = [];
  for (const check of CHECKS) {
    const result = check(rule.when, conversation);
    if (result === null) continue;
    if (!result.holds) return null;
    labels.push(result.label);
  }
  return labels;
}

const canonical = (destinations: readonly Destination[]): Destination[] => DESTINATIONS.filter((destination) => destinations.includes(destination));

const where = (destinations: Destination[]) => (destinations.length === 0 ? 'goes nowhere' : `goes to ${destinations.join(', ')}`);

export function routeConversation(conversation: IntercomConversation, routing: RoutingSettings): RouteDecision {
  for (const rule of routing.rules) {
    const labels = matchRule(rule, conversation);
    if (labels === null) continue;
    const destinations = canonical(rule.destinations);
    const because = labels.length === 0 ? 'it has no conditions' : labels.join(', ');
    return {
      destinations, rule: rule.name, ...(rule.ticketPolicy ? { ticketPolicy: rule.ticketPolicy } : {}),
      reason: `rule "${rule.name}" matched (${because}); the conversation ${where(destinations)}`,
    };
  }
  const destinations = canonical(routing.defaultDestinations);
  const because = routing.rules.length === 0 ? 'no routing rules' : 'no routing rule matched';
  return { destinations, rule: null, reason: `${because}; by default the conversation ${where(destinations)}` };
}
