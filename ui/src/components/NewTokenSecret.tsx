import { useEffect, useRef, useState } from 'preact/hooks';
import type { CreatedApiToken } from '../../../src/http/api-types.ts';
import { copyText } from '../clipboard.ts';

interface NewTokenSecretProps {
  created: CreatedApiToken;
  onDone: () => void;
}

type CopyState = 'idle' | 'copied' | 'failed';

/** The one and only showing of a new token's full secret, with a Copy button. */
export function NewTokenSecret({ created, onDone }: NewTokenSecretProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const [copyState, setCopyState] = useState<CopyState>('idle');

  useEffect(() => {
    heading.current?.focus();
  }, [created.token.id]);

  async function copy() {
    const copied = await copyText(created.secret, input.current);
    setCopyState(copied ? 'copied' : 'failed');
  }

  return (
    <section class="secret-panel" aria-labelledby="new-token-heading">
      <h3 id="new-token-heading" ref={heading} tabIndex={-1} class="secret-panel-title">
        <svg class="secret-panel-icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
          <path d="M10 2.5 18.5 17h-17z" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" />
          <path d="M10 8v4" stroke="currentColor" stroke-width="1.75" stroke-linecap="round" />
          <circle cx="10" cy="14.4" r="1" fill="currentColor" />
        </svg>
        Copy your new token now
      </h3>
      <p id="new-token-warning">
        <strong>It will not be shown again.</strong> This is the only time the full token for “{created.token.name}” is
        shown. Store it somewhere safe, such as your CI system’s secret store. If it gets lost, revoke it and create a
        new one.
      </p>
      <label for="new-token-secret" class="label">
        New API token
      </label>
      <div class="secret-row">
        <input
          ref={input}
          id="new-token-secret"
          class="input secret-value"
          type="text"
          readOnly
          value={created.secret}
          spellcheck={false}
          autoComplete="off"
          aria-describedby="new-token-warning"
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" class="button button-primary" onClick={copy}>
          {copyState === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p class="copy-status" role="status">
        {copyState === 'copied' ? 'Token copied to the clipboard.' : null}
        {copyState === 'failed' ? 'Could not copy automatically. Select the token and copy it yourself.' : null}
      </p>
      <div class="secret-panel-actions">
        <button type="button" class="button button-secondary" onClick={onDone}>
          Done, I have stored it
        </button>
      </div>
    </section>
  );
}
