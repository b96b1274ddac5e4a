// The form both sides use to connect with a pasted token: the token, an optional webhook secret, the
// side's own extra fields (Intercom's region), and the server's refusal shown as an alert.
import type { ComponentChildren, RefObject } from 'preact';
import { useState } from 'preact/hooks';
import type { ConnectionDetail } from '../../../../src/http/api-types.ts';
import { useSubmit } from '../../use-submit.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';

interface TokenFormText {
  /** The form's heading when the side is not connected yet, and when a token replaces another. */
  title: string;
  replaceTitle: string;
  tokenHint: ComponentChildren;
  webhookSecretHint: string;
  missing: string;
  submit: string;
  replaceSubmit: string;
  errorTitle: string;
}

interface TokenFormProps {
  /** Prefixes the element ids: "intercom" gives intercom-token, intercom-webhook-secret… */
  idPrefix: string;
  text: TokenFormText;
  /** True when the side is connected already, so the token replaces the current one. */
  replacing: boolean;
  inputRef: RefObject<HTMLInputElement | null>;
  /** Fields between the token and the webhook secret. */
  extraFields?: ComponentChildren;
  send: (body: { accessToken: string; webhookSecret?: string }) => Promise<ConnectionDetail>;
  onConnected: (detail: ConnectionDetail) => void;
}

export function TokenForm({ idPrefix, text, replacing, inputRef, extraFields, send, onConnected }: TokenFormProps) {
  const [accessToken, setAccessToken] = useState('');
  const [webhookSecret, setWebhookSecret] = useState('');
  const [missing, setMissing] = useState(false);
  const submitting = useSubmit();
  const { busy, error } = submitting;
  const tokenId = `${idPrefix}-token`;
  const secretId = `${idPrefix}-webhook-secret`;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (busy) return;
    submitting.reset();
    if (!accessToken.trim()) {
      setMissing(true);
      inputRef.current?.focus();
      return;
    }
    setMissing(false);
    const done = await submitting.run(async () => {
      const updated = await send({
        accessToken: accessToken.trim(),
        ...(webhookSecret.trim() ? { webhookSecret: webhookSecret.trim() } : {}),
      });
      setAccessToken('');
      setWebhookSecret('');
      onConnected(updated);
    });
    if (!done) inputRef.current?.focus();
  }

  return (
    <form onSubmit={submit} noValidate class="stack token-form" aria-labelledby={`${idPrefix}-form-heading`}>
      <h4 id={`${idPrefix}-form-heading`} class="form-title">
        {replacing ? text.replaceTitle : text.title}
      </h4>
      <div class="field">
        <label for={tokenId} class="label">
          Access token
        </label>
        <p id={`${tokenId}-hint`} class="hint">
          {text.tokenHint}
        </p>
        <input
          ref={inputRef}
          id={tokenId}
          class="input input-mono"
          type="password"
          name="accessToken"
          autoComplete="off"
          spellcheck={false}
          value={accessToken}
          aria-invalid={missing ? true : undefined}
          aria-describedby={missing ? `${tokenId}-hint ${tokenId}-error` : `${tokenId}-hint`}
          onInput={(event) => {
            setAccessToken(event.currentTarget.value);
            if (missing) setMissing(false);
          }}
        />
        {missing ? (
          <p id={`${tokenId}-error`} class="field-error" role="alert">
            {text.missing}
          </p>
        ) : null}
      </div>
      {extraFields}
      <div class="field">
        <label for={secretId} class="label">
          Webhook secret <span class="label-optional">(optional)</span>
        </label>
        <p id={`${secretId}-hint`} class="hint">
          {text.webhookSecretHint}
        </p>
        <input
          id={secretId}
          class="input input-mono"
          type="password"
          name="webhookSecret"
          autoComplete="off"
          spellcheck={false}
          value={webhookSecret}
          aria-describedby={`${secretId}-hint`}
          onInput={(event) => setWebhookSecret(event.currentTarget.value)}
        />
      </div>
      {error ? <ErrorAlert error={error} title={text.errorTitle} /> : null}
      <div>
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? 'Checking the token…' : replacing ? text.replaceSubmit : text.submit}
        </button>
      </div>
    </form>
  );
}
