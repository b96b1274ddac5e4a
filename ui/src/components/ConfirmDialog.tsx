import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import type { ApiError } from '../api.ts';
import { ErrorAlert } from './ErrorAlert.tsx';

interface ConfirmDialogProps {
  title: string;
  confirmLabel: string;
  busyLabel: string;
  busy: boolean;
  /** Keeps the confirm button unavailable until the user has done what the dialog asks (typed a name). */
  confirmDisabled?: boolean;
  error: ApiError | null;
  onConfirm: () => void;
  onCancel: () => void;
  children: ComponentChildren;
  /** A form field after the description (such as "type the name to confirm"). */
  field?: ComponentChildren;
  /** The confirm button's look: red for what removes or stops something (the default), blue for what does no harm (a retry). */
  tone?: 'danger' | 'primary';
  /** The dismiss button's label, when "Cancel" would read like the action itself (cancelling a backfill). */
  cancelLabel?: string;
}

/**
 * A modal confirmation on the native <dialog>: focus is trapped and starts on Cancel, Escape
 * cancels, and focus returns to the button that opened it. Render it only while it is open.
 */
export function ConfirmDialog({ title, confirmLabel, busyLabel, busy, confirmDisabled = false, error, onConfirm, onCancel, children, field, tone = 'danger', cancelLabel = 'Cancel' }: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const element = dialog.current;
    element?.showModal();
    cancelButton.current?.focus();
    return () => {
      if (element?.open) element.close();
      // The opener may be gone (a revoked row); then the caller decides where focus goes.
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onCancel();
      }}
      // Chrome may close the dialog despite preventDefault (repeated Escape); keep the state in step.
      onClose={() => onCancel()}
    >
      <h2 id={titleId} class="dialog-title">
        {title}
      </h2>
      <div id={descriptionId} class="dialog-body">
        {children}
      </div>
      {field}
      {error ? <ErrorAlert error={error} /> : null}
      <div class="dialog-actions">
        <button ref={cancelButton} type="button" class="button button-secondary" onClick={() => busy || onCancel()} aria-disabled={busy}>
          {cancelLabel}
        </button>
        <button
          type="button"
          class={`button button-${tone}`}
          onClick={() => busy || confirmDisabled || onConfirm()}
          aria-disabled={busy || confirmDisabled}
        >
          {busy ? busyLabel : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
