// The Users tab: which HubSpot owner stands for each Intercom teammate, refreshed daily and on
// demand, with the default owner and overrides (read-only when the YAML file declares them).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type ApiError, toApiError } from '../../api.ts';
import { formatDateTime } from '../../format.ts';
import { useApiData } from '../../use-api-data.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { UserMappingTable } from './UserMappingTable.tsx';
import { UserSettingsForm } from './UserSettingsForm.tsx';

/** While a refresh runs, the tab looks again this often, for at most a minute. */
const POLL_MS = 1_000;
const POLL_LIMIT = 60;

export function UsersTab({ connectionId }: { connectionId: string }) {
  const users = useApiData(() => api.getUsers(connectionId), [connectionId]);
  const { data: view, error: loadError, set: setView } = users;
  const [refreshError, setRefreshError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState('');
  // Bumped when saved settings come back, so the form starts again from what the server stored.
  const [formVersion, setFormVersion] = useState(0);
  const polls = useRef(0);
  const autoRefreshed = useRef(false);

  async function refresh() {
    setRefreshError(null);
    setStatus('');
    try {
      polls.current = 0;
      setView(await api.refreshUsers(connectionId));
    } catch (caught) {
      setRefreshError(toApiError(caught));
    }
  }

  // Never loaded: load the teammates and owners now rather than show an empty page.
  useEffect(() => {
    if (!view || autoRefreshed.current) return;
    autoRefreshed.current = true;
    if (view.refreshedAt === null && !view.refreshing && view.canRefresh && !view.lastError) void refresh();
  }, [view]);

  useEffect(() => {
    if (!view?.refreshing || polls.current >= POLL_LIMIT) return;
    const timer = setTimeout(async () => {
      polls.current += 1;
      try {
        const next = await api.getUsers(connectionId);
        setView(next);
        if (!next.refreshing) setStatus(next.lastError ? '' : `Refreshed: ${next.mappings.length} teammates, ${next.owners.length} HubSpot owners.`);
      } catch (caught) {
        setRefreshError(toApiError(caught));
      }
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [view]);

  if (loadError) {
    return (
      <ErrorAlert error={loadError} title="Couldn’t load the user mapping.">
        <button type="button" class="button button-secondary button-small" onClick={() => void users.reload()}>
          Try again
        </button>
      </ErrorAlert>
    );
  }
  if (!view) {
    return (
      <p class="muted" aria-busy="true">
        Loading the user mapping…
      </p>
    );
  }

  return (
    <>
      {view.managedByConfig ? (
        <p class="notice">
          Managed by config: the default owner and overrides come from the configuration file (<code>{view.configKey}</code>) and
          are read-only here. Change them there; the mapping itself still refreshes from Intercom and HubSpot.
        </p>
      ) : null}

      {view.problems.length > 0 ? (
        <section class="warning-panel" aria-labelledby="user-problems-heading">
          <h2 id="user-problems-heading" class="warning-panel-title">
            {view.problems.length === 1 ? 'A setting points at nobody' : `${view.problems.length} settings point at nobody`}
          </h2>
          <ul>
            {view.problems.map((problem, index) => (
              <li key={index}>{problem}</li>
            ))}
          </ul>
        </section>
      ) : null}

      <section class="card" aria-labelledby="user-mapping-heading">
        <div class="card-header users-header">
          <div>
            <h2 id="user-mapping-heading">Teammates and HubSpot owners</h2>
            <p class="card-description">
              Notes and tickets from a teammate’s conversations get this HubSpot owner. Refreshed from Intercom and HubSpot once a
              day.
            </p>
          </div>
          <div class="users-refresh">
            <button
              type="button"
              class="button button-secondary"
              onClick={() => void refresh()}
              disabled={view.refreshing || !view.canRefresh}
              aria-describedby="users-refreshed"
            >
              {view.refreshing ? 'Refreshing…' : 'Refresh now'}
            </button>
            <p id="users-refreshed" class="toolbar-note">
              {view.refreshedAt ? (
                <>
                  Last refreshed{' '}
                  <time dateTime={view.refreshedAt} title={view.refreshedAt}>
                    {formatDateTime(view.refreshedAt)}
                  </time>
                </>
              ) : (
                'Not loaded yet'
              )}
            </p>
          </div>
        </div>

        <p class={status ? 'status-message page-status' : 'status-message is-empty'} role="status">
          {status}
        </p>
        {refreshError ? <ErrorAlert error={refreshError} title="The refresh did not start." /> : null}
        {view.lastError && !view.refreshing ? (
          <div class="alert alert-error" role="alert">
            <div class="alert-body">
              <p class="alert-title">The last refresh failed{view.refreshedAt ? '; the mapping below is from the one before.' : '.'}</p>
              <p>{view.lastError}</p>
            </div>
          </div>
        ) : null}

        {view.mappings.length > 0 ? (
          <UserMappingTable mappings={view.mappings} fallbackOwner={view.fallbackOwner} />
        ) : (
          <p class="empty-inline">
            {!view.canRefresh
              ? 'Connect both Intercom and HubSpot (on the Overview tab) to load the teammates and owners.'
              : view.refreshing
                ? 'Loading the teammates from Intercom and the owners from HubSpot…'
                : view.refreshedAt
                  ? 'Intercom lists no teammates for this workspace.'
                  : 'The teammates and owners have not been loaded yet: choose Refresh now.'}
          </p>
        )}
      </section>

      <UserSettingsForm
        key={formVersion}
        connectionId={connectionId}
        view={view}
        onSaved={(saved) => {
          setView(saved);
          setFormVersion((version) => version + 1);
          polls.current = 0;
          setStatus(saved.refreshing ? 'Saved. The mapping below already follows the new settings; a refresh is on its way.' : 'Saved.');
        }}
      />
    </>
  );
}
