import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { copyText } from '../clipboard.ts';

interface CopyFieldProps {
  id: string;
  label: string;
  value: string;
  /** One line under the field: where to paste the value. */
  hint: ComponentChildren;
}

type CopyState = 'idle' | 'copied' | 'failed';

/** A read-only value (a webhook URL) with a Copy button and a status line that announces the result. */
export function CopyField({ id, label, value, hint }: CopyFieldProps) {
  const input = useRef<HTMLInputElement>(null);
  const [copyState, setCopyState] = useState<CopyState>('idle');

  async function copy() {
    const copied = await copyText(value, input.current);
    setCopyState(copied ? 'copied' : 'failed');
  }

  return (
    <div class="copy-field">
      <label for={id} class="label">
        {label}
      </label>
      <p id={`${id}-hint`} class="hint">
        {hint}
      </p>
      <div class="secret-row">
        <input
          ref={input}
          id={id}
          class="input input-mono"
          type="text"
          readOnly
          value={value}
          spellcheck={false}
          autoComplete="off"
          aria-describedby={`${id}-hint`}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" class="button button-secondary" onClick={() => void copy()}>
          {copyState === 'copied' ? 'Copied' : 'Copy'}
          <span class="visually-hidden"> {label}</span>
        </button>
      </div>
      <p class="copy-status" role="status">
        {copyState === 'copied' ? `${label} copied to the clipboard.` : null}
        {copyState === 'failed' ? 'Could not copy automatically. Select the address and copy it yourself.' : null}
      </p>
    </div>
  );
}
