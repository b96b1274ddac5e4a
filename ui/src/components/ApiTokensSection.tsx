import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiTokenInfo, ApiTokenScope, CreatedApiToken } from '../../../src/http/api-types.ts';
import { api } from '../api.ts';
import { useApiData } from '../use-api-data.ts';
import { useSubmit } from '../use-submit.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { RadioGroup } from './connection/SettingsControls.tsx';
import { ErrorAlert } from './ErrorAlert.tsx';
import { NewTokenSecret } from './NewTokenSecret.tsx';
import { TokenTable } from './TokenTable.tsx';

const newestFirst = (a: ApiTokenInfo, b: ApiTokenInfo) => b.createdAt.localeCompare(a.createdAt);

/** Least power first: most tokens go to an Intercom workflow that only pushes conversations. */
const SCOPE_CHOICES: ReadonlyArray<{ value: ApiTokenScope; label: string; description: string }> = [
  { value: 'push', label: 'API Push only', description: 'Captures a conversation now and reads that answer; nothing else.' },
  { value: 'read', label: 'Read only', description: 'Reads connections, settings and activity; changes nothing.' },
  { value: 'metrics', label: 'Metrics only', description: 'Reads GET /metrics for Prometheus; nothing else.' },
  { value: 'admin', label: 'Admin', description: 'Everything a signed-in admin can do, except managing tokens, people and sessions.' },
];

/** The chosen day's end, in the browser's time zone, as the API's ISO date-time. */
const endOfDay = (day: string) => new Date(`${day}T23:59:59`).toISOString();
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

/** Settings → API tokens: create (secret shown once), list, and revoke. */
export function ApiTokensSection() {
  const tokenList = useApiData(async () => [...(await api.listTokens()).tokens].sort(newestFirst), []);
  const { data: tokens, error: loadError, set: setTokens } = tokenList;
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | null>(null);
  const [scope, setScope] = useState<ApiTokenScope>('push');
  const [expiresOn, setExpiresOn] = useState('');
  const creation = useSubmit();
  const { busy: creating, error: createError } = creation;
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [status, setStatus] = useState('');
  const [revoking, setRevoking] = useState<ApiTokenInfo | null>(null);
  const revocation = useSubmit();
  const { busy: revokeBusy, error: revokeError } = revocation;
  const nameInput = useRef<HTMLInputElement>(null);
  const listHeading = useRef<HTMLHeadingElement>(null);
  const focusListAfterRevoke = useRef(false);

  useEffect(() => {
    // The revoked row (and its button, which opened the dialog) is gone: land on the list instead.
    if (!revoking && focusListAfterRevoke.current) {
      focusListAfterRevoke.current = false;
      listHeading.current?.focus();
    }
  }, [revoking]);

  async function create(event: SubmitEvent) {
    event.preventDefault();
    if (creating) return;
    const trimmed = name.trim();
    if (!trimmed) {
      setNameError('Enter a name for the token.');
      nameInput.current?.focus();
      return;
    }
    setNameError(null);
    setStatus('');
    await creation.run(async () => {
      const result = await api.createToken({ name: trimmed, scope, ...(expiresOn ? { expiresAt: endOfDay(expiresOn) } : {}) });
      setCreated(result);
      setTokens((list) => [result.token, ...(list ?? []).filter((t) => t.id !== result.token.id)].sort(newestFirst));
      setName('');
      setScope('push');
      setExpiresOn('');
      setStatus(`Token “${result.token.name}” created.`);
    });
  }

  async function revoke() {
    if (!revoking) return;
    const gone = revoking;
    await revocation.run(async () => {
      await api.revokeToken(gone.id);
      setTokens((list) => (list ?? []).filter((t) => t.id !== gone.id));
      if (created?.token.id === gone.id) setCreated(null);
      focusListAfterRevoke.current = true;
      setRevoking(null);
      setStatus(`Token “${gone.name}” revoked. Anything still using it is now refused.`);
    });
  }

  function closeSecret() {
    setCreated(null);
    setStatus('');
    nameInput.current?.focus();
  }

  return (
    <section class="card" aria-labelledby="api-tokens-heading">
      <div class="card-header">
        <h2 id="api-tokens-heading">API tokens</h2>
        <p class="card-description">
          Tokens let scripts and automations call the Interhubz API. Send a token in the <code>Authorization</code>{' '}
          header as <code>Bearer &lt;token&gt;</code>. Give every script its own token, and revoke the ones you no
          longer use.
        </p>
      </div>

      <form class="token-form" onSubmit={create} noValidate>
        <label for="token-name" class="label">
          Token name
        </label>
        <p id="token-name-hint" class="hint">
          Say where it will be used, for example “CI script” or “Intercom workflow”.
        </p>
        <div class="field-row">
          <input
            ref={nameInput}
            id="token-name"
            class="input"
            type="text"
            name="name"
            maxLength={100}
            autoComplete="off"
            value={name}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? 'token-name-hint token-name-error' : 'token-name-hint'}
            onInput={(event) => {
              setName(event.currentTarget.value);
              if (nameError) setNameError(null);
            }}
          />
        </div>
        {nameError ? (
          <p id="token-name-error" class="field-error" role="alert">
            {nameError}
          </p>
        ) : null}
        <RadioGroup
          name="token-scope"
          legend="What the token may do"
          hint="Give each token the least it needs; a token for an Intercom workflow needs only API Push."
          choices={SCOPE_CHOICES}
          value={scope}
          onChange={setScope}
        />
        <label for="token-expiry" class="label">
          Expires (optional)
        </label>
        <p id="token-expiry-hint" class="hint">
          The token stops working at the end of this day. Leave empty for a token that lasts until you revoke it.
        </p>
        <input
          id="token-expiry"
          class="input input-date"
          type="date"
          name="expiresOn"
          min={tomorrow()}
          value={expiresOn}
          aria-describedby="token-expiry-hint"
          onInput={(event) => setExpiresOn(event.currentTarget.value)}
        />
        <div class="token-form-submit">
          <button type="submit" class="button button-primary" disabled={creating}>
            {creating ? 'Creating…' : 'Create token'}
          </button>
        </div>
        {createError ? <ErrorAlert error={createError} title="The token was not created." /> : null}
      </form>

      <p class={status ? 'status-message' : 'status-message is-empty'} role="status">
        {status}
      </p>

      {created ? <NewTokenSecret created={created} onDone={closeSecret} /> : null}

      <h3 class="subheading" ref={listHeading} tabIndex={-1}>
        Existing tokens
      </h3>
      {loadError ? (
        <ErrorAlert error={loadError} title="Couldn’t load the tokens.">
          <button type="button" class="button button-secondary button-small" onClick={() => void tokenList.reload()}>
            Try again
          </button>
        </ErrorAlert>
      ) : tokens === null ? (
        <p class="muted" aria-busy="true">
          Loading tokens…
        </p>
      ) : tokens.length === 0 ? (
        <p class="empty-inline">No API tokens yet. Create one above when a script or automation needs the API.</p>
      ) : (
        <TokenTable
          tokens={tokens}
          onRevoke={(token) => {
            revocation.reset();
            setRevoking(token);
          }}
        />
      )}

      {revoking ? (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke token"
          busyLabel="Revoking…"
          busy={revokeBusy}
          error={revokeError}
          onConfirm={() => void revoke()}
          onCancel={() => setRevoking(null)}
        >
          <p>
            Anything that uses this token (<code>{revoking.prefix}…</code>) stops working at once. This can’t be undone;
            you can create a new token instead.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
