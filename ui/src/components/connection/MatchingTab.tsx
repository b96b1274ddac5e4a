// The Matching tab: how the conversation's customer and company are found in HubSpot (ordered
// strategies, first match wins), email normalisation, and what happens when nothing matches.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { SettingsView } from '../../../../src/http/api-types.ts';
import { isChanged, useUnsavedGuard } from '../../use-unsaved-guard.ts';
import {
  type Choice,
  type FieldErrors,
  ManagedNotice,
  MoveButtons,
  move,
  NumberField,
  RadioGroup,
  SaveBar,
  SelectField,
  SettingsLoading,
  Switch,
  TextField,
  type SaveState,
  useSave,
  useSettings,
} from './SettingsControls.tsx';

type Matching = SettingsView['settings']['matching'];
type Contacts = Matching['contacts'];
type Companies = Matching['companies'];
type ContactStrategy = Contacts['strategies'][number];
type CompanyStrategy = Companies['strategies'][number];
type AddressPolicy = Contacts['email']['roleAddresses'];

const contactStrategyText: Record<ContactStrategy['type'], { title: string; text: string }> = {
  email: { title: 'Email', text: 'The customer’s email, normalised by the rules below.' },
  phone: { title: 'Phone', text: 'The customer’s phone number, compared in international format.' },
  external_id: { title: 'Intercom external id', text: 'An Intercom id or attribute kept in a HubSpot contact property.' },
};

const companyStrategyText: Record<CompanyStrategy['type'], { title: string; text: string }> = {
  domain: { title: 'Website domain', text: 'The company’s website, or the customer’s email domain when it is not a free-mail one.' },
  name: { title: 'Name', text: 'The exact company name (letter case aside).' },
  id_property: { title: 'Intercom company id', text: 'Intercom’s company id kept in a HubSpot company property.' },
};

const addressPolicies: ReadonlyArray<Choice<AddressPolicy>> = [
  { value: 'match', label: 'Match, and create a contact if none' },
  { value: 'match_no_create', label: 'Match existing contacts only' },
  { value: 'ignore', label: 'Ignore the address' },
];

const noMatchChoices = (what: string): ReadonlyArray<Choice<'create' | 'skip'>> => [
  { value: 'create', label: `Create the ${what}`, description: `A new HubSpot ${what} is made from the Intercom data, and gets the note.` },
  { value: 'skip', label: `Don’t create one`, description: `The note goes only to the other records; with none, the conversation is skipped.` },
];

const leadChoices: ReadonlyArray<Choice<Contacts['leadsWithoutEmail']>> = [
  { value: 'match_only', label: 'Match by the other strategies only' },
  { value: 'create', label: 'Match, or create a contact from name and phone' },
  { value: 'skip', label: 'Skip them' },
];

const FIELD_LABELS: Record<string, string> = {
  'matching.contacts.tieBreakEngagementDays': 'Tie-break window',
  'matching.contacts.onNoMatch': 'No contact matches',
  'matching.contacts.leadsWithoutEmail': 'Leads without an email',
};

function matchingLabel(path: string): string | null {
  const known = FIELD_LABELS[path];
  if (known) return known;
  const strategy = /^matching\.(contacts|companies)\.strategies\.(\d+)\.(.+)$/.exec(path);
  if (strategy) return `${strategy[1] === 'contacts' ? 'Contact' : 'Company'} strategy ${Number(strategy[2]) + 1} · ${strategy[3]}`;
  return null;
}

export function MatchingTab({ connectionId }: { connectionId: string }) {
  const { view, loadError, version, load, saved } = useSettings(connectionId);
  const saving = useSave(connectionId, saved, 'Saved. New captures match with these settings.');
  return view ? <MatchingForm key={version} view={view} saving={saving} /> : <SettingsLoading error={loadError} what="matching" onRetry={() => void load()} />;
}

// Remounted after a save (so it starts from what the server stored): the save's state lives in the tab.
function MatchingForm({ view, saving }: { view: SettingsView; saving: SaveState }) {
  const [contacts, setContacts] = useState<Contacts>(view.settings.matching.contacts);
  const [companies, setCompanies] = useState<Companies>(view.settings.matching.companies);
  useUnsavedGuard(isChanged({ contacts, companies }, { contacts: view.settings.matching.contacts, companies: view.settings.matching.companies }), 'matching settings');
  const errors = saving.fieldErrors;
  const readOnly = view.managedByConfig;
  const setContact = (change: Partial<Contacts>) => setContacts((current) => ({ ...current, ...change }));
  const setEmail = (change: Partial<Contacts['email']>) => setContacts((current) => ({ ...current, email: { ...current.email, ...change } }));
  const setCompany = (change: Partial<Companies>) => setCompanies((current) => ({ ...current, ...change }));

  return (
    <form
      class="settings-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (!readOnly) void saving.save({ matching: { contacts, companies } });
      }}
    >
      <ManagedNotice view={view} />
      <fieldset class="settings-fieldset" disabled={readOnly}>
        <section class="card settings-card" aria-labelledby="contacts-heading">
          <div class="card-header">
            <h2 id="contacts-heading">Contacts</h2>
            <p class="card-description">
              How the conversation’s customer is found in HubSpot. The strategies are tried from the top; the first that finds a
              contact wins. A contact found once stays linked.
            </p>
          </div>
          <div class="stack">
            <StrategyList
              idPrefix="contact-strategy"
              legend="Contact strategies"
              items={contacts.strategies}
              text={contactStrategyText}
              onChange={(strategies) => setContact({ strategies })}
              extra={(strategy, index) =>
                strategy.type === 'phone' ? (
                  <TextField
                    id={`contact-strategy-${index}-country`}
                    label="Country for numbers without a country code"
                    hint="Two letters, such as DE or US. Empty: such numbers don’t match."
                    value={strategy.defaultCountry}
                    mono
                    short
                    error={errors.get(`matching.contacts.strategies.${index}.defaultCountry`)}
                    onChange={(defaultCountry) => setContact({ strategies: contacts.strategies.map((s, at) => (at === index ? { ...strategy, defaultCountry } : s)) })}
                  />
                ) : strategy.type === 'external_id' ? (
                  <PairsEditor
                    id={`contact-strategy-${index}`}
                    path={`matching.contacts.strategies.${index}.pairs`}
                    pairs={strategy.pairs}
                    errors={errors}
                    onChange={(pairs) => setContact({ strategies: contacts.strategies.map((s, at) => (at === index ? { ...strategy, pairs } : s)) })}
                  />
                ) : null
              }
            />

            <fieldset class="choice-group">
              <legend class="label">Email addresses</legend>
              <div class="stack stack-tight">
                <Switch
                  id="strip-plus-tag"
                  label="Ignore +tags"
                  hint="ana+billing@acme.com matches ana@acme.com."
                  checked={contacts.email.stripPlusTag}
                  onChange={(stripPlusTag) => setEmail({ stripPlusTag })}
                />
                <Switch
                  id="ignore-gmail-dots"
                  label="Ignore dots in Gmail addresses"
                  hint="a.na@gmail.com matches ana@gmail.com, as Gmail delivers both to the same inbox."
                  checked={contacts.email.ignoreGmailDots}
                  onChange={(ignoreGmailDots) => setEmail({ ignoreGmailDots })}
                />
                <div class="field-grid">
                  <SelectField
                    id="role-addresses"
                    label="Role addresses"
                    hint="support@, billing@, info@ and the like."
                    choices={addressPolicies}
                    value={contacts.email.roleAddresses}
                    onChange={(roleAddresses) => setEmail({ roleAddresses })}
                  />
                  <SelectField
                    id="disposable-domains"
                    label="Disposable addresses"
                    hint="Addresses at throwaway-mail domains."
                    choices={addressPolicies}
                    value={contacts.email.disposableDomains}
                    onChange={(disposableDomains) => setEmail({ disposableDomains })}
                  />
                </div>
              </div>
            </fieldset>

            <RadioGroup name="contact-no-match" legend="When no contact matches" choices={noMatchChoices('contact')} value={contacts.onNoMatch} onChange={(onNoMatch) => setContact({ onNoMatch })} />
            <div class="field-grid">
              <SelectField
                id="leads-without-email"
                label="Leads without an email"
                hint="Visitors who never gave an email address."
                choices={leadChoices}
                value={contacts.leadsWithoutEmail}
                onChange={(leadsWithoutEmail) => setContact({ leadsWithoutEmail })}
              />
              <NumberField
                id="tie-break-days"
                label="Tie-break window"
                hint="Several contacts match: the one with the latest engagement in this window wins, else the oldest."
                unit="days"
                value={contacts.tieBreakEngagementDays}
                error={errors.get('matching.contacts.tieBreakEngagementDays')}
                onChange={(tieBreakEngagementDays) => setContact({ tieBreakEngagementDays })}
              />
            </div>
          </div>
        </section>

        <section class="card settings-card" aria-labelledby="companies-heading">
          <div class="card-header">
            <h2 id="companies-heading">Companies</h2>
            <p class="card-description">How the customer’s company is found in HubSpot, tried from the top; the first that finds one wins.</p>
          </div>
          <div class="stack">
            <StrategyList
              idPrefix="company-strategy"
              legend="Company strategies"
              items={companies.strategies}
              text={companyStrategyText}
              onChange={(strategies) => setCompany({ strategies })}
              extra={(strategy, index) =>
                strategy.type === 'id_property' ? (
                  <TextField
                    id={`company-strategy-${index}-property`}
                    label="HubSpot company property"
                    value={strategy.property}
                    mono
                    short
                    error={errors.get(`matching.companies.strategies.${index}.property`)}
                    onChange={(property) => setCompany({ strategies: companies.strategies.map((s, at) => (at === index ? { ...strategy, property } : s)) })}
                  />
                ) : null
              }
            />
            <RadioGroup name="company-no-match" legend="When no company matches" choices={noMatchChoices('company')} value={companies.onNoMatch} onChange={(onNoMatch) => setCompany({ onNoMatch })} />
            <Switch
              id="associate-contact"
              label="Associate the contact with its company"
              hint="In HubSpot, the contact is added to the company it was matched with."
              checked={companies.associateContact}
              onChange={(associateContact) => setCompany({ associateContact })}
            />
          </div>
        </section>
      </fieldset>
      <SaveBar state={saving} label="Save matching settings" labels={matchingLabel} readOnly={readOnly} />
    </form>
  );
}

interface StrategyListProps<S extends { type: string; enabled: boolean }> {
  idPrefix: string;
  legend: string;
  items: S[];
  text: Record<S['type'], { title: string; text: string }>;
  onChange: (items: S[]) => void;
  extra: (item: S, index: number) => ComponentChildren;
}

/** An ordered list of strategies, each with an on/off switch and up/down buttons. */
function StrategyList<S extends { type: string; enabled: boolean }>({ idPrefix, legend, items, text, onChange, extra }: StrategyListProps<S>) {
  return (
    <fieldset class="choice-group">
      <legend class="label">{legend}</legend>
      <p class="hint">Tried in this order. Only the ones switched on are used.</p>
      <ol class="strategy-list">
        {items.map((item, index) => {
          const { title, text: description } = text[item.type as S['type']];
          const id = `${idPrefix}-${item.type}`;
          return (
            <li key={item.type} class={item.enabled ? 'strategy' : 'strategy is-off'}>
              <span class="rule-number" aria-hidden="true">
                {index + 1}
              </span>
              <div class="strategy-body">
                <Switch
                  id={id}
                  label={title}
                  hint={description}
                  checked={item.enabled}
                  onChange={(enabled) => onChange(items.map((other, at) => (at === index ? { ...other, enabled } : other)))}
                />
                {item.enabled ? <div class="strategy-extra">{extra(item, index)}</div> : null}
              </div>
              <MoveButtons index={index} count={items.length} what={title} onMove={(by) => onChange(move(items, index, by))} />
            </li>
          );
        })}
      </ol>
    </fieldset>
  );
}

type Pair = { intercom: string; hubspot: string };

function PairsEditor({ id, path, pairs, errors, onChange }: { id: string; path: string; pairs: Pair[]; errors: FieldErrors; onChange: (pairs: Pair[]) => void }) {
  return (
    <div class="field">
      <span class="label">Intercom value → HubSpot contact property</span>
      <p class="hint">
        <code>external_id</code>, or <code>custom_attributes.&lt;name&gt;</code>, and the HubSpot property holding the same value.
      </p>
      <ul class="pair-list">
        {pairs.map((pair, index) => (
          <li key={index} class="pair-row">
            <input
              class="input input-mono"
              aria-label={`Intercom value ${index + 1}`}
              value={pair.intercom}
              spellcheck={false}
              aria-invalid={errors.has(`${path}.${index}.intercom`) ? true : undefined}
              onInput={(event) => onChange(pairs.map((p, at) => (at === index ? { ...p, intercom: event.currentTarget.value } : p)))}
            />
            <span class="override-arrow" aria-hidden="true">
              →
            </span>
            <input
              class="input input-mono"
              aria-label={`HubSpot property ${index + 1}`}
              value={pair.hubspot}
              spellcheck={false}
              aria-invalid={errors.has(`${path}.${index}.hubspot`) ? true : undefined}
              onInput={(event) => onChange(pairs.map((p, at) => (at === index ? { ...p, hubspot: event.currentTarget.value } : p)))}
            />
            <button type="button" class="button button-danger-quiet button-small" onClick={() => onChange(pairs.filter((_, at) => at !== index))}>
              Remove<span class="visually-hidden"> pair {index + 1}</span>
            </button>
          </li>
        ))}
      </ul>
      <button type="button" class="button button-secondary button-small" id={`${id}-add-pair`} onClick={() => onChange([...pairs, { intercom: '', hubspot: '' }])}>
        Add a pair
      </button>
    </div>
  );
}
