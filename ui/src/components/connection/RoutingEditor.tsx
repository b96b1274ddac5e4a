// Routing: ordered rules (the first that matches decides where a conversation goes) and the
// destinations of conversations no rule matches.
import { useState } from 'preact/hooks';
import type { SettingsView } from '../../../../src/http/api-types.ts';
import { type FieldErrors, ListField, MoveButtons, move, TextField } from './SettingsControls.tsx';

type Routing = SettingsView['settings']['conversations']['routing'];
type Rule = Routing['rules'][number];
type Destination = Rule['destinations'][number];
type Condition = Rule['when'];
type AttributeValue = NonNullable<Condition['attribute']>['equals'];
type TicketPolicy = NonNullable<Rule['ticketPolicy']>;

const destinationChoices: ReadonlyArray<{ value: Destination; label: string }> = [
  { value: 'contact', label: 'Note on the contact' },
  { value: 'company', label: 'Note on the company' },
  { value: 'ticket', label: 'Ticket' },
];

const ticketPolicyChoices: ReadonlyArray<{ value: TicketPolicy | ''; label: string }> = [
  { value: '', label: 'Connection default (Tickets tab)' },
  { value: 'none', label: 'No tickets' },
  { value: 'per_conversation', label: 'One ticket per conversation' },
  { value: 'reuse_open', label: 'Reuse the contact’s open ticket' },
];

interface RoutingEditorProps {
  routing: Routing;
  errors: FieldErrors;
  onChange: (routing: Routing) => void;
}

export function RoutingEditor({ routing, errors, onChange }: RoutingEditorProps) {
  // Stable keys, so each rule's inputs keep their text when rules move or go.
  const [keys, setKeys] = useState(() => routing.rules.map((_, index) => index));
  const [nextKey, setNextKey] = useState(routing.rules.length);
  const rules = routing.rules;

  const setRules = (next: Rule[], nextKeys: number[]) => {
    setKeys(nextKeys);
    onChange({ ...routing, rules: next });
  };

  return (
    <section class="card settings-card" aria-labelledby="routing-heading">
      <div class="card-header">
        <h2 id="routing-heading">Routing</h2>
        <p class="card-description">
          Rules are tried from the top; the first whose conditions all hold decides where the conversation goes. Conversations no rule
          matches go to the default destinations.
        </p>
      </div>
      <div class="stack">
        <div>
          <h3 class="subsection-title">Rules</h3>
          {rules.length === 0 ? <p class="muted rule-empty">No rules: every conversation goes to the default destinations.</p> : null}
          <ol class="rule-list">
            {rules.map((rule, index) => {
              const key = keys[index] ?? index;
              return (
                <RuleItem
                  key={key}
                  id={`rule-${key}`}
                  index={index}
                  count={rules.length}
                  rule={rule}
                  errors={errors}
                  onChange={(changed) => onChange({ ...routing, rules: rules.map((other, at) => (at === index ? changed : other)) })}
                  onMove={(by) => setRules(move(rules, index, by), move(keys, index, by))}
                  onRemove={() =>
                    setRules(
                      rules.filter((_, at) => at !== index),
                      keys.filter((_, at) => at !== index),
                    )
                  }
                />
              );
            })}
          </ol>
          <button
            type="button"
            class="button button-secondary button-small"
            onClick={() => {
              setRules([...rules, { name: `Rule ${rules.length + 1}`, when: {}, destinations: ['contact', 'company'] }], [...keys, nextKey]);
              setNextKey(nextKey + 1);
            }}
          >
            Add rule
          </button>
        </div>
        <Destinations
          id="default-destinations"
          legend="Default destinations"
          hint="For conversations no rule matches."
          value={routing.defaultDestinations}
          error={errors.get('conversations.routing.defaultDestinations')}
          onChange={(defaultDestinations) => onChange({ ...routing, defaultDestinations })}
        />
      </div>
    </section>
  );
}

interface RuleItemProps {
  id: string;
  index: number;
  count: number;
  rule: Rule;
  errors: FieldErrors;
  onChange: (rule: Rule) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}

function RuleItem({ id, index, count, rule, errors, onChange, onMove, onRemove }: RuleItemProps) {
  const path = `conversations.routing.rules.${index}`;
  const what = `rule ${index + 1} (${rule.name || 'unnamed'})`;
  const when = rule.when;
  const setWhen = (change: Partial<Condition>) => onChange({ ...rule, when: { ...when, ...change } });
  const list = (values: string[]) => (values.length > 0 ? values : undefined);
  const [attributeName, setAttributeName] = useState(when.attribute?.name ?? '');
  const [attributeText, setAttributeText] = useState(when.attribute === undefined ? '' : String(when.attribute.equals));

  const setAttribute = (name: string, text: string) => {
    setAttributeName(name);
    setAttributeText(text);
    setWhen({ attribute: name === '' && text === '' ? undefined : { name, equals: attributeValue(text, when.attribute?.equals) } });
  };

  return (
    <li>
      <div class="rule" role="group" aria-label={`Rule ${index + 1}`}>
        <div class="rule-head">
          <span class="rule-number" aria-hidden="true">
            {index + 1}
          </span>
          <div class="rule-name">
            <TextField id={`${id}-name`} label={`Rule ${index + 1} name`} value={rule.name} error={errors.get(`${path}.name`)} onChange={(name) => onChange({ ...rule, name })} />
          </div>
          <div class="rule-actions">
            <MoveButtons index={index} count={count} what={what} onMove={onMove} />
            <button type="button" class="button button-danger-quiet button-small" onClick={onRemove}>
              Remove<span class="visually-hidden"> {what}</span>
            </button>
          </div>
        </div>
        <fieldset class="rule-conditions">
          <legend class="label">When</legend>
          <p class="hint">All the conditions filled in must hold; a rule with none matches every conversation. Separate several values with commas: any of them matches.</p>
          <div class="field-grid">
            <ListField id={`${id}-tags`} label="Tags" placeholder="vip, billing" value={when.tags ?? []} error={errors.get(`${path}.when.tags`)} onChange={(tags) => setWhen({ tags: list(tags) })} />
            <ListField id={`${id}-teams`} label="Teams (Intercom team ids)" mono value={when.teams ?? []} error={errors.get(`${path}.when.teams`)} onChange={(teams) => setWhen({ teams: list(teams) })} />
            <ListField
              id={`${id}-assignees`}
              label="Assignees (Intercom admin ids)"
              mono
              value={when.assignees ?? []}
              error={errors.get(`${path}.when.assignees`)}
              onChange={(assignees) => setWhen({ assignees: list(assignees) })}
            />
            <ListField
              id={`${id}-channels`}
              label="Channels"
              placeholder="conversation, email, whatsapp"
              value={when.channels ?? []}
              error={errors.get(`${path}.when.channels`)}
              onChange={(channels) => setWhen({ channels: list(channels) })}
            />
            <div class="field">
              <label for={`${id}-priority`} class="label">
                Priority
              </label>
              <select
                id={`${id}-priority`}
                class="input select"
                value={when.priority ?? ''}
                onChange={(event) => {
                  const value = event.currentTarget.value;
                  setWhen({ priority: value === 'priority' || value === 'not_priority' ? value : undefined });
                }}
              >
                <option value="">Any</option>
                <option value="priority">Marked priority</option>
                <option value="not_priority">Not marked priority</option>
              </select>
            </div>
            <div class="field attribute-field">
              <span class="label" id={`${id}-attribute-label`}>
                Conversation attribute
              </span>
              <div class="attribute-row">
                <input
                  class="input input-mono"
                  aria-label={`Rule ${index + 1} attribute name`}
                  placeholder="name"
                  spellcheck={false}
                  value={attributeName}
                  aria-invalid={errors.has(`${path}.when.attribute.name`) ? true : undefined}
                  onInput={(event) => setAttribute(event.currentTarget.value, attributeText)}
                />
                <span class="attribute-equals">equals</span>
                <input
                  class="input"
                  aria-label={`Rule ${index + 1} attribute value`}
                  placeholder="value"
                  value={attributeText}
                  aria-invalid={errors.has(`${path}.when.attribute.equals`) ? true : undefined}
                  onInput={(event) => setAttribute(attributeName, event.currentTarget.value)}
                />
              </div>
              {errors.get(`${path}.when.attribute.name`) ? <p class="field-error">Attribute name: {errors.get(`${path}.when.attribute.name`)}</p> : null}
            </div>
          </div>
        </fieldset>
        <Destinations
          id={`${id}-destinations`}
          legend="Send to"
          value={rule.destinations}
          error={errors.get(`${path}.destinations`)}
          onChange={(destinations) => onChange({ ...rule, destinations })}
        />
        {rule.destinations.includes('ticket') || rule.ticketPolicy !== undefined ? (
          <div class="field rule-ticket-policy">
            <label for={`${id}-ticket-policy`} class="label">
              Ticket policy
            </label>
            <select
              id={`${id}-ticket-policy`}
              class="input select select-narrow"
              value={rule.ticketPolicy ?? ''}
              onChange={(event) => {
                const picked = ticketPolicyChoices.find((choice) => choice.value === event.currentTarget.value)?.value;
                // Undefined is left out of the JSON: the rule then follows the connection's policy.
                onChange({ ...rule, ticketPolicy: picked || undefined });
              }}
            >
              {ticketPolicyChoices.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
            {errors.get(`${path}.ticketPolicy`) ? <p class="field-error">{errors.get(`${path}.ticketPolicy`)}</p> : null}
          </div>
        ) : null}
      </div>
    </li>
  );
}

/** The value as typed, keeping the stored value's type (a number or true/false) while it reads the same. */
function attributeValue(text: string, stored: AttributeValue | undefined): AttributeValue {
  if (stored !== undefined && typeof stored !== 'string' && String(stored) === text) return stored;
  return text;
}

interface DestinationsProps {
  id: string;
  legend: string;
  hint?: string;
  value: Destination[];
  error: string | undefined;
  onChange: (value: Destination[]) => void;
}

function Destinations({ id, legend, hint, value, error, onChange }: DestinationsProps) {
  return (
    <fieldset class="destination-group">
      <legend class="label">{legend}</legend>
      {hint ? <p class="hint">{hint}</p> : null}
      <div class="destination-choices">
        {destinationChoices.map((choice) => {
          const checked = value.includes(choice.value);
          const boxId = `${id}-${choice.value}`;
          return (
            <label key={choice.value} for={boxId} class="checkbox-label">
              <input
                id={boxId}
                type="checkbox"
                checked={checked}
                onChange={(event) =>
                  onChange(event.currentTarget.checked ? destinationChoices.map((c) => c.value).filter((d) => d === choice.value || value.includes(d)) : value.filter((d) => d !== choice.value))
                }
              />
              {choice.label}
            </label>
          );
        })}
      </div>
      {value.length === 0 ? <p class="hint destination-none">Nothing chosen: these conversations are skipped.</p> : null}
      {error ? <p class="field-error">{error}</p> : null}
    </fieldset>
  );
}
