// The mapping's settings: the default owner and the overrides (teammate → owner). Values are saved as
// emails where there is one, since they read well in a YAML export; ids otherwise. A value that
// names nobody any more stays visible as "not found" rather than vanishing from the form.
import { useState } from 'preact/hooks';
import { isChanged, useUnsavedGuard } from '../../use-unsaved-guard.ts';
import type { OwnerOption, UserMappingView } from '../../../../src/http/api-types.ts';
import { api } from '../../api.ts';
import { useSubmit } from '../../use-submit.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';

interface Choice {
  value: string;
  label: string;
  disabled?: boolean;
}

interface OverrideRow {
  key: number;
  intercomAdmin: string;
  hubspotOwner: string;
}

interface UserSettingsFormProps {
  connectionId: string;
  view: UserMappingView;
  onSaved: (view: UserMappingView) => void;
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function teammateChoices(view: UserMappingView): Choice[] {
  return view.mappings.map((m) => ({ value: m.adminEmail ?? m.adminId, label: m.adminEmail ? `${m.adminName} (${m.adminEmail})` : m.adminName }));
}

function ownerChoice(owner: OwnerOption): Choice {
  const label = `${owner.name}${owner.email && owner.email !== owner.name ? ` (${owner.email})` : ''}${owner.archived ? ' — archived' : ''}`;
  return { value: owner.email ?? owner.id, label, disabled: owner.archived };
}

/** The choice a stored value stands for (by id or email), or the value itself marked as not found. */
function withCurrent(choices: Choice[], value: string, ids: Map<string, string>): { choices: Choice[]; value: string } {
  if (!value) return { choices, value };
  const byId = ids.get(value.trim());
  const found = choices.find((choice) => choice.value === byId || same(choice.value, value));
  if (found) return { choices: choices.map((choice) => (choice === found ? { ...choice, disabled: false } : choice)), value: found.value };
  return { choices: [...choices, { value, label: `${value} (not found)` }], value };
}

export function UserSettingsForm({ connectionId, view, onSaved }: UserSettingsFormProps) {
  const [defaultOwner, setDefaultOwner] = useState(view.defaultOwner);
  const [rows, setRows] = useState<OverrideRow[]>(() => view.overrides.map((pair, key) => ({ key, ...pair })));
  const [nextKey, setNextKey] = useState(view.overrides.length);
  const submit = useSubmit();
  const { busy, error } = submit;
  const [incomplete, setIncomplete] = useState(false);
  const readOnly = view.managedByConfig;
  const drafted = { defaultOwner, overrides: rows.map(({ intercomAdmin, hubspotOwner }) => ({ intercomAdmin, hubspotOwner })) };
  useUnsavedGuard(isChanged(drafted, { defaultOwner: view.defaultOwner, overrides: view.overrides.map(({ intercomAdmin, hubspotOwner }) => ({ intercomAdmin, hubspotOwner })) }), 'user mapping settings');

  const owners = view.owners.map(ownerChoice);
  const ownerIds = new Map(view.owners.map((owner) => [owner.id, owner.email ?? owner.id]));
  const teammates = teammateChoices(view);
  const teammateIds = new Map(view.mappings.map((m) => [m.adminId, m.adminEmail ?? m.adminId]));
  const defaultSelect = withCurrent(owners, defaultOwner, ownerIds);

  const update = (key: number, change: Partial<OverrideRow>) => {
    setRows((current) => current.map((row) => (row.key === key ? { ...row, ...change } : row)));
    setIncomplete(false);
  };

  async function save(event: SubmitEvent) {
    event.preventDefault();
    if (busy || readOnly) return;
    submit.reset();
    if (rows.some((row) => !row.intercomAdmin || !row.hubspotOwner)) {
      setIncomplete(true);
      return;
    }
    await submit.run(async () => {
      const saved = await api.saveUserSettings(connectionId, {
        defaultOwner,
        overrides: rows.map(({ intercomAdmin, hubspotOwner }) => ({ intercomAdmin, hubspotOwner })),
      });
      onSaved(saved);
    });
  }

  return (
    <form class="card section-card stack" onSubmit={save} noValidate aria-labelledby="user-settings-heading">
      <div class="card-header">
        <h2 id="user-settings-heading">Default owner and overrides</h2>
        <p class="card-description">
          Teammates are matched to HubSpot owners with the same email. An override sets a teammate’s owner by hand and wins over
          the email match; the default owner gets the notes of teammates without an active owner.
        </p>
      </div>

      <div class="field">
        <label for="default-owner" class="label">
          Default owner
        </label>
        <p id="default-owner-hint" class="hint">
          Used when a teammate has no HubSpot owner, or when their owner is archived in HubSpot.
        </p>
        <select
          id="default-owner"
          class="input select user-select"
          value={defaultSelect.value}
          disabled={readOnly}
          aria-describedby="default-owner-hint"
          onChange={(event) => setDefaultOwner(event.currentTarget.value)}
        >
          <option value="">No default owner</option>
          {defaultSelect.choices.map((choice) => (
            <option key={choice.value} value={choice.value} disabled={choice.disabled}>
              {choice.label}
            </option>
          ))}
        </select>
      </div>

      <fieldset class="override-fieldset">
        <legend class="label">Overrides</legend>
        {rows.length === 0 ? <p class="muted override-empty">No overrides: every teammate is matched by email.</p> : null}
        <ul class="override-list">
          {rows.map((row, index) => {
            const teammate = withCurrent(teammates, row.intercomAdmin, teammateIds);
            const owner = withCurrent(owners, row.hubspotOwner, ownerIds);
            const n = index + 1;
            return (
              <li key={row.key} class="override-row">
                <select
                  class="input select"
                  aria-label={`Teammate of override ${n}`}
                  value={teammate.value}
                  disabled={readOnly}
                  aria-invalid={incomplete && !row.intercomAdmin ? true : undefined}
                  onChange={(event) => update(row.key, { intercomAdmin: event.currentTarget.value })}
                >
                  <option value="">Choose a teammate…</option>
                  {teammate.choices.map((choice) => (
                    <option key={choice.value} value={choice.value}>
                      {choice.label}
                    </option>
                  ))}
                </select>
                <span class="override-arrow" aria-hidden="true">
                  →
                </span>
                <select
                  class="input select"
                  aria-label={`HubSpot owner of override ${n}`}
                  value={owner.value}
                  disabled={readOnly}
                  aria-invalid={incomplete && !row.hubspotOwner ? true : undefined}
                  onChange={(event) => update(row.key, { hubspotOwner: event.currentTarget.value })}
                >
                  <option value="">Choose an owner…</option>
                  {owner.choices.map((choice) => (
                    <option key={choice.value} value={choice.value} disabled={choice.disabled}>
                      {choice.label}
                    </option>
                  ))}
                </select>
                {readOnly ? null : (
                  <button
                    type="button"
                    class="button button-danger-quiet button-small"
                    onClick={() => setRows((current) => current.filter((other) => other.key !== row.key))}
                  >
                    Remove<span class="visually-hidden"> override {n}</span>
                  </button>
                )}
              </li>
            );
          })}
        </ul>
        {readOnly ? null : (
          <button
            type="button"
            class="button button-secondary button-small"
            onClick={() => {
              setRows((current) => [...current, { key: nextKey, intercomAdmin: '', hubspotOwner: '' }]);
              setNextKey(nextKey + 1);
            }}
          >
            Add override
          </button>
        )}
        {incomplete ? (
          <p class="field-error" role="alert">
            Choose a teammate and an owner in every override, or remove the incomplete one.
          </p>
        ) : null}
      </fieldset>

      {error ? <ErrorAlert error={error} title="The settings were not saved." /> : null}
      {readOnly ? null : (
        <div>
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save mapping settings'}
          </button>
        </div>
      )}
    </form>
  );
}
