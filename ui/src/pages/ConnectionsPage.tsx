import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConnectionList, ConnectionListEntry } from '../../../src/http/api-types.ts';
import { api } from '../api.ts';
import { ConnectionStateBadge, ConnectionTags } from '../components/ConnectionBadges.tsx';
import { workLinkLabel } from '../components/connection/HealthBanner.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { connectionPath } from '../components/connection/tabs.ts';
import { setFlash, takeFlash } from '../flash.ts';
import { formatDateTime } from '../format.ts';
import { navigate } from '../router.ts';
import { useApiData } from '../use-api-data.ts';
import { useSubmit } from '../use-submit.ts';


export function ConnectionsPage() {
  const connections = useApiData(() => api.listConnections(), []);
  const { data: list, error: loadError } = connections;
  // Health and the last day's counts change on their own: refreshed quietly while the page is visible.
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void connections.reload({ quiet: true });
    }, 15_000);
    return () => window.clearInterval(timer);
  }, []);
  const [flash] = useState(takeFlash);
  const [formOpen, setFormOpen] = useState(false);
  const sandbox = useSubmit();
  const { busy: sandboxBusy, error: actionError } = sandbox;

  async function trySandbox() {
    await sandbox.run(async () => {
      const created = await api.createSandboxConnection();
      setFlash(`Sandbox connection “${created.name}” created.`);
      navigate(connectionPath(created.id));
    }, { leaves: true });
  }

  // "Try the sandbox" opens the sandbox there is rather than making "Sandbox 2".
  const existingSandbox = list?.connections.find((connection) => connection.sandbox) ?? null;

  const atLimit = list !== null && list.maxConnections !== null && list.maxConnections > 0 && list.connections.length >= list.maxConnections;

  const actions = (
    <div class="actions">
      <button
        type="button"
        class="button button-primary"
        aria-expanded={formOpen}
        aria-controls={formOpen ? 'new-connection' : undefined}
        onClick={() => {
          sandbox.reset();
          setFormOpen(!formOpen);
        }}
      >
        New connection
      </button>
      {existingSandbox ? (
        <Link href={connectionPath(existingSandbox.id)} class="button button-secondary">
          Open the sandbox
        </Link>
      ) : (
        <button type="button" class="button button-secondary" onClick={() => void trySandbox()} disabled={sandboxBusy}>
          {sandboxBusy ? 'Creating the sandbox…' : 'Try the sandbox'}
        </button>
      )}
    </div>
  );

  const actionArea = (
    <>
      {actionError ? <ErrorAlert error={actionError} title="The sandbox connection was not created." /> : null}
      {formOpen ? <NewConnectionForm onCancel={() => setFormOpen(false)} /> : null}
    </>
  );

  return (
    <>
      <PageHeading title="Connections" description="Each connection pairs one Intercom workspace with one HubSpot portal." />
      {flash ? (
        <p class="status-message page-status" role="status">
          {flash}
        </p>
      ) : null}
      {loadError ? (
        <ErrorAlert error={loadError} title="Couldn’t load the connections.">
          <button type="button" class="button button-secondary button-small" onClick={() => void connections.reload()}>
            Try again
          </button>
        </ErrorAlert>
      ) : list === null ? (
        <p class="muted" aria-busy="true">
          Loading connections…
        </p>
      ) : list.connections.length === 0 ? (
        <>
          {actionArea}
          <EmptyState icon="connections" title="No connections yet">
            <p>
              A connection brings the conversations of one Intercom workspace onto the right contacts and companies in
              one HubSpot portal. Create one, then connect Intercom and HubSpot to it, or try the sandbox to watch
              Interhubz work against simulated Intercom and HubSpot accounts.
            </p>
            <div class="empty-state-actions">{actions}</div>
          </EmptyState>
        </>
      ) : (
        <>
          <div class="toolbar">
            {actions}
            {list.maxConnections ? (
              <p class="toolbar-note">
                {list.connections.length} of {list.maxConnections} connections allowed on this server
                {atLimit ? ' (the limit is reached)' : ''}.
              </p>
            ) : null}
          </div>
          {actionArea}
          <ConnectionTable list={list} />
        </>
      )}
    </>
  );
}

function NewConnectionForm({ onCancel }: { onCancel: () => void }) {
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | null>(null);
  const submitting = useSubmit();
  const { busy, error } = submitting;
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    input.current?.focus();
  }, []);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (busy) return;
    const trimmed = name.trim();
    if (!trimmed) {
      setNameError('Enter a name for the connection.');
      input.current?.focus();
      return;
    }
    setNameError(null);
    const done = await submitting.run(async () => {
      const created = await api.createConnection({ name: trimmed });
      setFlash(`Connection “${created.name}” created. Next, connect Intercom, then HubSpot.`);
      navigate(connectionPath(created.id));
    }, { leaves: true });
    if (!done) input.current?.focus();
  }

  return (
    <section id="new-connection" class="card inline-form" aria-labelledby="new-connection-heading">
      <h2 id="new-connection-heading" class="inline-form-title">
        New connection
      </h2>
      <form onSubmit={submit} noValidate>
        <label for="connection-name" class="label">
          Connection name
        </label>
        <p id="connection-name-hint" class="hint">
          Something your team recognises, for example “Support EU”.
        </p>
        <div class="field-row">
          <input
            ref={input}
            id="connection-name"
            class="input input-name"
            type="text"
            name="name"
            maxLength={100}
            autoComplete="off"
            value={name}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? 'connection-name-hint connection-name-error' : 'connection-name-hint'}
            onInput={(event) => {
              setName(event.currentTarget.value);
              if (nameError) setNameError(null);
            }}
            onKeyDown={(event) => {
              if (event.key === 'Escape' && !busy) onCancel();
            }}
          />
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create connection'}
          </button>
          <button type="button" class="button button-secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        </div>
        {nameError ? (
          <p id="connection-name-error" class="field-error" role="alert">
            {nameError}
          </p>
        ) : null}
        {error ? <ErrorAlert error={error} title="The connection was not created." /> : null}
      </form>
    </section>
  );
}

function ConnectionTable({ list }: { list: ConnectionList }) {
  return (
    <div class="card card-flush">
      <div class="table-wrap">
        <table class="data-table connection-table">
          <caption class="visually-hidden">Connections</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Workspace and portal</th>
              <th scope="col">Last capture</th>
              <th scope="col">Last 24 h</th>
              <th scope="col">Work</th>
            </tr>
          </thead>
          <tbody>
            {list.connections.map((connection) => (
              <ConnectionRow key={connection.id} connection={connection} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

const workLabels: Record<keyof ConnectionListEntry['work'], string> = { failed: 'failed', parked: 'held', retrying: 'retrying', late: 'late' };

/** One connection at a glance: its state and why, what it pairs, its last day, its problem work. */
function ConnectionRow({ connection }: { connection: ConnectionListEntry }) {
  const { health, work } = connection;
  const problems = (Object.keys(workLabels) as Array<keyof typeof workLabels>).filter((state) => work[state] > 0);
  return (
    <tr>
      <th scope="row" class="cell-name">
        <span class="name-with-tags">
          <Link href={connectionPath(connection.id)} class="row-link">
            {connection.name}
          </Link>
          <ConnectionTags connection={connection} />
        </span>
        {connection.pairingWarning ? <p class="pairing-warning">{connection.pairingWarning}</p> : null}
      </th>
      <td>
        <ConnectionStateBadge status={connection.status} health={health} />
        {health.reason && health.state !== 'paused' ? (
          <p class="health-reason">
            {health.reason}
            {health.link ? (
              <>
                {' '}
                <Link href={health.link}>{workLinkLabel(health.link)}</Link>
              </>
            ) : null}
          </p>
        ) : null}
      </td>
      <td>
        <ul class="glance-pair">
          <li>
            <span class="glance-label">Intercom </span>
            {connection.intercom.workspaceId ?? '—'}
          </li>
          <li>
            <span class="glance-label">HubSpot </span>
            {connection.hubspot.portalId ?? '—'}
          </li>
        </ul>
      </td>
      <td>
        {connection.lastCaptureAt ? (
          <time dateTime={connection.lastCaptureAt} title={connection.lastCaptureAt}>
            {formatDateTime(connection.lastCaptureAt)}
          </time>
        ) : (
          <span class="glance-none">Never</span>
        )}
      </td>
      <td>
        <ul class="glance-counts">
          <li>{connection.captured24h} captured</li>
          <li class={connection.failed24h > 0 ? 'glance-failed' : 'glance-none'}>{connection.failed24h} failed</li>
        </ul>
      </td>
      <td>
        {problems.length === 0 ? (
          <span class="glance-none">Nothing waiting</span>
        ) : (
          <ul class="glance-counts">
            {problems.map((state) => (
              <li key={state}>
                <Link href={`${connectionPath(connection.id, 'work')}?state=${state}`}>
                  {work[state]} {workLabels[state]}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}
