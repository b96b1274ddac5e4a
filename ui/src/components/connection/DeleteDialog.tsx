// Deleting a connection: the dialog names it and wants the name typed before it deletes.
import { useState } from 'preact/hooks';
import type { ConnectionDetail } from '../../../../src/http/api-types.ts';
import { api } from '../../api.ts';
import { setFlash } from '../../flash.ts';
import { navigate } from '../../router.ts';
import { useSubmit } from '../../use-submit.ts';
import { ConfirmDialog } from '../ConfirmDialog.tsx';

export function DeleteDialog({ detail, onCancel }: { detail: ConnectionDetail; onCancel: () => void }) {
  const [typed, setTyped] = useState('');
  const submit = useSubmit();
  const { busy, error } = submit;
  const matches = typed.trim() === detail.name;

  async function confirm() {
    if (!matches || busy) return;
    await submit.run(
      async () => {
        await api.deleteConnection(detail.id);
        setFlash(`Connection “${detail.name}” deleted.`);
        navigate('/connections', { focus: true });
      },
      { leaves: true },
    );
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
