import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConnectionDetail } from '../../../src/http/api-types.ts';
import { api, type ApiError, toApiError } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ConnectionTags, StatusBadge } from '../components/ConnectionBadges.tsx';
import { CopyField } from '../components/CopyField.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { setFlash, takeFlash } from '../flash.ts';
import { formatDateTime } from '../format.ts';
import { navigate } from '../router.ts';

type Region = ConnectionDetail['intercom']['region'];

const regionLabels: Record<Region, string> = {
  us: 'United States (app.intercom.com)',
  eu: 'Europe (app.eu.intercom.com)',
  au: 'Australia (app.au.intercom.com)',
};

const regionNames: Record<Region, string> = { us: 'United States', eu: 'Europe', au: 'Australia' };

const backLink = <Link href="/connections">← All connections</Link>;

export function ConnectionPage({ id }: { id: string }) {
  const [detail, setDetail] = useState<ConnectionDetail | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState<string>(() => takeFlash() ?? '');
  const [notice, setNotice] = useState<string | null>(null);
  const [toggleBusy, setToggleBusy] = useState(false);
  const [toggleError, setToggleError] = useState<ApiError | null>(null);
  const [deleting, setDeleting] = useState(false);
  const tokenInput = useRef<HTMLInputElement>(null);

  async function load() {
    setLoadError(null);
    try {
      setDetail(await api.getConnection(id));
    } catch (caught) {
      setLoadError(toApiError(caught));
    }
  }

  useEffect(() => {
    void load();
  }, [id]);

  async function toggle(action: 'pause' | 'resume') {
    if (toggleBusy) return;
    setToggleBusy(true);
    setToggleError(null);
    setStatus('');
    try {
      const updated = action === 'pause' ? await api.pauseConnection(id) : await api.resumeConnection(id);
      setDetail(updated);
      setStatus(action === 'pause' ? 'Paused. Nothing is synced until you resume.' : 'Resumed. Syncing picks up where it left off.');
    } catch (caught) {
      setToggleError(toApiError(caught));
    } finally {
      setToggleBusy(false);
    }
  }

  if (loadError || !detail) {
    const notFound = loadError?.status === 404;
    return (
      <>
        <PageHeading title={notFound ? 'Connection not found' : 'Connection'} back={backLink} />
        {loadError ? (
          notFound ? (
            <div class="card">
              <p>There is no connection at this address. It may have been deleted.</p>
              <p>
                <Link href="/connections">Go to Connections</Link>
              </p>
            </div>
          ) : (
            <ErrorAlert error={loadError} title="Couldn’t load the connection.">
              <button type="button" class="button button-secondary button-small" onClick={() => void load()}>
                Try again
              </button>
            </ErrorAlert>
          )
        ) : (
          <p class="muted" aria-busy="true">
            Loading the connection…
          </p>
        )}
      </>
    );
  }

  return (
    <>
      <PageHeading
        title={detail.name}
        back={backLink}
        meta={
          <>
            <StatusBadge status={detail.status} />
            <ConnectionTags connection={detail} />
          </>
        }
        description={
          detail.sandbox
            ? 'A sandbox connection: it syncs between the built-in Intercom and HubSpot simulators, never real accounts.'
            : `Created ${formatDateTime(detail.createdAt)}.`
        }
      />

      {detail.status === 'needs_reauth' ? (
        <div class="alert alert-error" role="alert">
          <div class="alert-body">
            <p class="alert-title">Intercom needs to be re-authorised.</p>
            <p>
              Intercom no longer accepts this connection’s access token, so syncing is on hold. Work waiting to be
              synced is kept and resumes once a working token is saved.{' '}
              <a
                href="#intercom-token"
                onClick={(event) => {
                  event.preventDefault();
                  tokenInput.current?.scrollIntoView({ block: 'center' });
                  tokenInput.current?.focus();
                }}
              >
                Enter a new Intercom access token
              </a>
            </p>
          </div>
        </div>
      ) : null}

      <p class={status ? 'status-message page-status' : 'status-message is-empty'} role="status">
        {status}
      </p>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}

      {detail.warnings.length > 0 ? (
        <section class="warning-panel" aria-labelledby="warnings-heading">
          <h2 id="warnings-heading" class="warning-panel-title">
            {detail.warnings.length === 1 ? 'Something to look at' : `${detail.warnings.length} things to look at`}
          </h2>
          <ul>
            {detail.warnings.map((warning, index) => (
              <li key={index}>{warning}</li>
            ))}
          </ul>
        </section>
      ) : null}

      <h2 class="section-title">Overview</h2>
      <div class="overview-grid">
        <section class="card" aria-labelledby="intercom-heading">
          <div class="card-header">
            <h3 id="intercom-heading" class="side-title">
              Intercom
            </h3>
            <p class="card-description">
              {detail.intercom.connected ? (
                <>
                  Connected to workspace <code>{detail.intercom.workspaceId}</code>, region{' '}
                  {regionNames[detail.intercom.region]}.
                </>
              ) : (
                'Not connected yet. Paste an access token from your Intercom app to connect this workspace.'
              )}
            </p>
          </div>
          {detail.sandbox ? (
            <p class="muted">The sandbox is already connected to the simulated Intercom workspace.</p>
          ) : (
            <IntercomTokenForm
              detail={detail}
              inputRef={tokenInput}
              onConnected={(updated) => {
                setDetail(updated);
                setNotice(updated.notice ?? null);
                setStatus(`Intercom connected: workspace ${updated.intercom.workspaceId ?? ''}.`);
              }}
            />
          )}
        </section>

        <section class="card" aria-labelledby="hubspot-heading">
          <div class="card-header">
            <h3 id="hubspot-heading" class="side-title">
              HubSpot
            </h3>
            <p class="card-description">
              {detail.hubspot.connected ? (
                <>
                  Connected to portal <code>{detail.hubspot.portalId}</code>.
                </>
              ) : (
                'Not connected yet.'
              )}
            </p>
          </div>
          {detail.sandbox ? (
            <p class="muted">The sandbox is already connected to the simulated HubSpot portal.</p>
          ) : (
            <p class="muted">
              Connecting HubSpot from the UI comes in a later version; declare a <code>hubspot.accessToken</code> in the
              configuration file meanwhile.
            </p>
          )}
        </section>
      </div>

      <section class="card section-card" aria-labelledby="webhooks-heading">
        <div class="card-header">
          <h2 id="webhooks-heading">Webhooks</h2>
          <p class="card-description">Intercom and HubSpot tell Interhubz about changes through these addresses.</p>
          <p class="webhook-last">
            {detail.lastWebhookAt ? (
              <>
                Last webhook received{' '}
                <time dateTime={detail.lastWebhookAt} title={detail.lastWebhookAt}>
                  {formatDateTime(detail.lastWebhookAt)}
                </time>
                .
              </>
            ) : (
              'No webhook received yet.'
            )}
          </p>
        </div>
        <div class="stack">
          <CopyField
            id="webhook-url-intercom"
            label="Intercom webhook URL"
            value={detail.webhookUrls.intercom}
            hint={
              detail.sandbox
                ? 'The Intercom simulator already sends its webhooks here.'
                : 'Paste it in the Developer Hub: your Intercom app → Webhooks → Endpoint URL.'
            }
          />
          <CopyField
            id="webhook-url-hubspot"
            label="HubSpot webhook URL"
            value={detail.webhookUrls.hubspot}
            hint={
              detail.sandbox
                ? 'The HubSpot simulator already sends its webhooks here.'
                : 'Paste it in your HubSpot app: Webhooks → Target URL.'
            }
          />
        </div>
      </section>

      <section class="card section-card" aria-labelledby="manage-heading">
        <div class="card-header">
          <h2 id="manage-heading">Manage</h2>
        </div>
        <div class="manage-row">
          <div>
            <h3 class="manage-title">{detail.status === 'paused' ? 'Resume syncing' : 'Pause syncing'}</h3>
            <p class="muted" id="pause-hint">
              {detail.status === 'active'
                ? 'Stops syncing until you resume. Nothing is lost: changes are caught up afterwards.'
                : detail.status === 'paused'
                  ? 'Syncing is paused. Resume to catch up on what changed meanwhile.'
                  : 'Only an active connection can be paused. Connect both sides first.'}
            </p>
          </div>
          {detail.status === 'paused' ? (
            <button type="button" class="button button-primary" onClick={() => void toggle('resume')} disabled={toggleBusy}>
              {toggleBusy ? 'Resuming…' : 'Resume'}
            </button>
          ) : (
            <button
              type="button"
              class="button button-secondary"
              onClick={() => void toggle('pause')}
              disabled={toggleBusy || detail.status !== 'active'}
              aria-describedby="pause-hint"
            >
              {toggleBusy ? 'Pausing…' : 'Pause'}
            </button>
          )}
        </div>
        {toggleError ? <ErrorAlert error={toggleError} /> : null}
        <div class="manage-row">
          <div>
            <h3 class="manage-title">Delete this connection</h3>
            <p class="muted" id="delete-hint">
              {detail.managedByConfig
                ? 'This connection is declared in the configuration file, so it can’t be deleted here. Remove it from the file (with pruneConnections: true) to delete it.'
                : 'Removes the connection, its tokens and its sync records from Interhubz. What was already written to HubSpot stays.'}
            </p>
          </div>
          <button
            type="button"
            class="button button-danger-quiet"
            onClick={() => setDeleting(true)}
            disabled={detail.managedByConfig}
            aria-describedby="delete-hint"
          >
            Delete connection
          </button>
        </div>
      </section>

      {deleting ? <DeleteDialog detail={detail} onCancel={() => setDeleting(false)} /> : null}
    </>
  );
}

interface IntercomTokenFormProps {
  detail: ConnectionDetail;
  inputRef: RefObject<HTMLInputElement | null>;
  onConnected: (detail: ConnectionDetail) => void;
}

function IntercomTokenForm({ detail, inputRef, onConnected }: IntercomTokenFormProps) {
  const [accessToken, setAccessToken] = useState('');
  const [region, setRegion] = useState<Region>(detail.intercom.region);
  const [webhookSecret, setWebhookSecret] = useState('');
  const [missing, setMissing] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    if (!accessToken.trim()) {
      setMissing('Enter the Intercom access token.');
      inputRef.current?.focus();
      return;
    }
    setMissing(null);
    setBusy(true);
    try {
      const updated = await api.connectIntercomToken(detail.id, {
        accessToken: accessToken.trim(),
        region,
        ...(webhookSecret.trim() ? { webhookSecret: webhookSecret.trim() } : {}),
      });
      setAccessToken('');
      setWebhookSecret('');
      onConnected(updated);
    } catch (caught) {
      setError(toApiError(caught));
      inputRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  const reconnect = detail.intercom.connected;
  return (
    <form onSubmit={submit} noValidate class="stack" aria-labelledby="intercom-form-heading">
      <h4 id="intercom-form-heading" class="form-title">
        {reconnect ? 'Replace the access token' : 'Connect with an access token'}
      </h4>
      <div class="field">
        <label for="intercom-token" class="label">
          Access token
        </label>
        <p id="intercom-token-hint" class="hint">
          From the Developer Hub: your Intercom app → Authentication. It is checked with Intercom before it is saved.
        </p>
        <input
          ref={inputRef}
          id="intercom-token"
          class="input input-mono"
          type="password"
          name="accessToken"
          autoComplete="off"
          spellcheck={false}
          value={accessToken}
          aria-invalid={missing ? true : undefined}
          aria-describedby={missing ? 'intercom-token-hint intercom-token-error' : 'intercom-token-hint'}
          onInput={(event) => {
            setAccessToken(event.currentTarget.value);
            if (missing) setMissing(null);
          }}
        />
        {missing ? (
          <p id="intercom-token-error" class="field-error" role="alert">
            {missing}
          </p>
        ) : null}
      </div>
      <div class="field">
        <label for="intercom-region" class="label">
          Region
        </label>
        <select
          id="intercom-region"
          class="input select"
          name="region"
          value={region}
          onChange={(event) => setRegion(event.currentTarget.value as Region)}
        >
          {(Object.keys(regionLabels) as Region[]).map((key) => (
            <option key={key} value={key}>
              {regionLabels[key]}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="intercom-webhook-secret" class="label">
          Webhook secret <span class="label-optional">(optional)</span>
        </label>
        <p id="intercom-webhook-secret-hint" class="hint">
          The client secret of the Intercom app that sends this workspace’s webhooks, if it is not the app in the
          configuration file.
        </p>
        <input
          id="intercom-webhook-secret"
          class="input input-mono"
          type="password"
          name="webhookSecret"
          autoComplete="off"
          spellcheck={false}
          value={webhookSecret}
          aria-describedby="intercom-webhook-secret-hint"
          onInput={(event) => setWebhookSecret(event.currentTarget.value)}
        />
      </div>
      {error ? <ErrorAlert error={error} title="Intercom was not connected." /> : null}
      <div>
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? 'Checking the token…' : reconnect ? 'Save the new token' : 'Connect Intercom'}
        </button>
      </div>
    </form>
  );
}

function DeleteDialog({ detail, onCancel }: { detail: ConnectionDetail; onCancel: () => void }) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const matches = typed.trim() === detail.name;

  async function confirm() {
    if (!matches || busy) return;
    setBusy(true);
    setError(null);
    try {
      await api.deleteConnection(detail.id);
      setFlash(`Connection “${detail.name}” deleted.`);
      navigate('/connections', { focus: true });
    } catch (caught) {
      setError(toApiError(caught));
      setBusy(false);
    }
  }

  return (
    <ConfirmDialog
      title={`Delete “${detail.name}”?`}
      confirmLabel="Delete connection"
      busyLabel="Deleting…"
      busy={busy}
      confirmDisabled={!matches}
      error={error}
      onConfirm={() => void confirm()}
      onCancel={onCancel}
      field={
        <div class="dialog-field">
          <label for="delete-confirm-name" class="label">
            Type <strong class="confirm-name">{detail.name}</strong> to confirm
          </label>
          <input
            id="delete-confirm-name"
            class="input"
            type="text"
            autoComplete="off"
            spellcheck={false}
            value={typed}
            onInput={(event) => setTyped(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                void confirm();
              }
            }}
          />
        </div>
      }
    >
      <p>
        Syncing stops at once, and the connection’s tokens, settings and sync records are removed from Interhubz. What was
        already written to HubSpot stays there. This can’t be undone.
      </p>
    </ConfirmDialog>
  );
}
