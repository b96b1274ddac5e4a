import { useEffect, useState } from 'preact/hooks';
import type { ConnectionList, ConnectionSummary } from '../../../src/http/api-types.ts';
import { api, type ApiError, toApiError } from '../api.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { formatDateTime } from '../format.ts';

const statusLabels: Record<ConnectionSummary['status'], string> = {
  active: 'Active',
  paused: 'Paused',
  needs_reauth: 'Needs re-authentication',
  disconnected: 'Disconnected',
};

export function ConnectionsPage() {
  const [list, setList] = useState<ConnectionList | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  async function load() {
    setError(null);
    try {
      setList(await api.listConnections());
    } catch (caught) {
      setError(toApiError(caught));
    }
  }

  useEffect(() => {
    void load();
  }, []);

  return (
    <>
      <PageHeading
        title="Connections"
        description="Each connection pairs one Intercom workspace with one HubSpot portal."
      />
      {error ? (
        <ErrorAlert error={error} title="Couldn’t load the connections.">
          <button type="button" class="button button-secondary button-small" onClick={() => void load()}>
            Try again
          </button>
        </ErrorAlert>
      ) : list === null ? (
        <p class="muted" aria-busy="true">
          Loading connections…
        </p>
      ) : list.connections.length === 0 ? (
        <EmptyState icon="connections" title="No connections yet">
          <p>Connecting Intercom and HubSpot comes in a later version of Interhubz.</p>
          <p>
            When it does, your connections will appear here, each bringing the conversations of one Intercom workspace
            onto the right contacts and companies in one HubSpot portal.
          </p>
        </EmptyState>
      ) : (
        <ConnectionTable list={list} />
      )}
    </>
  );
}

function ConnectionTable({ list }: { list: ConnectionList }) {
  return (
    <div class="card card-flush">
      <div class="table-wrap">
        <table class="data-table">
          <caption class="visually-hidden">Connections</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Managed by</th>
            </tr>
          </thead>
          <tbody>
            {list.connections.map((connection) => (
              <tr key={connection.id}>
                <th scope="row" class="cell-name">
                  {connection.name}
                </th>
                <td>
                  <span class={`badge badge-${connection.status}`}>{statusLabels[connection.status]}</span>
                </td>
                <td>
                  <time dateTime={connection.createdAt}>{formatDateTime(connection.createdAt)}</time>
                </td>
                <td>{connection.managedByConfig ? 'Configuration file' : 'This admin interface'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.maxConnections !== null ? (
        <p class="table-footnote">
          {list.connections.length} of {list.maxConnections} connections allowed on this server.
        </p>
      ) : null}
    </div>
  );
}
