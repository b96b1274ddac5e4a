// The Activity page's filters: connection, kind, outcome, a day range, and a search box for a
// conversation id, Intercom URL or a HubSpot note's reference. Selects and dates apply at once; the search applies on submit.
import { useEffect, useState } from 'preact/hooks';
import type { ConnectionSummary } from '../../../../src/http/api-types.ts';
import { ACTIVITY_KIND_CHOICES, type ActivityFilterValues, hasFilters, NO_FILTERS } from './activity-filters.ts';

const OUTCOMES = [
  { value: '', label: 'All outcomes' },
  { value: 'captured', label: 'Captured' },
  { value: 'updated', label: 'Updated' },
  { value: 'unchanged', label: 'Unchanged' },
  { value: 'skipped', label: 'Skipped' },
  { value: 'failed', label: 'Failed' },
] as const;

interface Props {
  values: ActivityFilterValues;
  connections: ConnectionSummary[];
  onChange: (values: ActivityFilterValues) => void;
}

export function ActivityFiltersForm({ values, connections, onChange }: Props) {
  const [search, setSearch] = useState(values.search);
  // A search set from elsewhere (a row's "this conversation" link, a reset) shows in the box.
  useEffect(() => setSearch(values.search), [values.search]);
  const set = (field: keyof ActivityFilterValues) => (event: { currentTarget: { value: string } }) => onChange({ ...values, [field]: event.currentTarget.value });

  return (
    <div class="activity-filters">
      <form
        class="activity-search"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          onChange({ ...values, search: search.trim() });
        }}
      >
        <label for="activity-search" class="label">
          Conversation
        </label>
        <div class="activity-search-row">
          <input
            id="activity-search"
            class="input"
            type="search"
            placeholder="Intercom conversation id or URL, or a note’s ref ihz-…"
            value={search}
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
          <button type="submit" class="button button-secondary">
            Search
          </button>
        </div>
      </form>
      <div class="activity-filter-grid">
        <div class="field">
          <label for="activity-connection" class="label">
            Connection
          </label>
          <select id="activity-connection" class="input select" value={values.connection} onChange={set('connection')}>
            <option value="">All connections</option>
            {connections.map((connection) => (
              <option key={connection.id} value={connection.id}>
                {connection.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="activity-kind" class="label">
            Kind
          </label>
          <select id="activity-kind" class="input select" value={values.kind} onChange={set('kind')}>
            {ACTIVITY_KIND_CHOICES.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="activity-outcome" class="label">
            Outcome
          </label>
          <select id="activity-outcome" class="input select" value={values.outcome} onChange={set('outcome')}>
            {OUTCOMES.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="activity-from" class="label">
            From
          </label>
          <input id="activity-from" class="input" type="date" value={values.fromDay} max={values.toDay || undefined} onChange={set('fromDay')} />
        </div>
        <div class="field">
          <label for="activity-to" class="label">
            To
          </label>
          <input id="activity-to" class="input" type="date" value={values.toDay} min={values.fromDay || undefined} onChange={set('toDay')} />
        </div>
        {hasFilters(values) ? (
          <button type="button" class="button button-secondary activity-clear" onClick={() => onChange(NO_FILTERS)}>
            Clear filters
          </button>
        ) : null}
      </div>
    </div>
  );
}
