// Pause or resume syncing, and delete the connection (behind a typed-name confirmation).
import { useState } from 'preact/hooks';
import type { ConnectionDetail } from '../../../../src/http/api-types.ts';
import { api } from '../../api.ts';
import { useSubmit } from '../../use-submit.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { DeleteDialog } from './DeleteDialog.tsx';

interface ManageSectionProps {
  detail: ConnectionDetail;
  onChanged: (detail: ConnectionDetail, status: string) => void;
}

export function ManageSection({ detail, onChanged }: ManageSectionProps) {
  const submit = useSubmit();
  const { busy, error } = submit;
  const [deleting, setDeleting] = useState(false);

  async function toggle(action: 'pause' | 'resume') {
    await submit.run(async () => {
      const updated = action === 'pause' ? await api.pauseConnection(detail.id) : await api.resumeConnection(detail.id);
      onChanged(updated, action === 'pause' ? 'Paused. Nothing is synced until you resume.' : 'Resumed. Syncing picks up where it left off.');
    });
  }

  return (
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
                : detail.status === 'needs_reauth'
                  ? 'Syncing is on hold until Interhubz has access again: re-authorise first.'
                  : 'Only an active connection can be paused. Connect both sides first.'}
          </p>
        </div>
        {detail.status === 'paused' ? (
          <button type="button" class="button button-primary" onClick={() => void toggle('resume')} disabled={busy}>
            {busy ? 'Resuming…' : 'Resume'}
          </button>
        ) : (
          <button
            type="button"
            class="button button-secondary"
            onClick={() => void toggle('pause')}
            disabled={busy || detail.status !== 'active'}
            aria-describedby="pause-hint"
          >
            {busy ? 'Pausing…' : 'Pause'}
          </button>
        )}
      </div>
      {error ? <ErrorAlert error={error} /> : null}
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
      {deleting ? <DeleteDialog detail={detail} onCancel={() => setDeleting(false)} /> : null}
    </section>
  );
}
