import { useEffect, useState } from 'preact/hooks';
import type { AlertChannelInfo, AlertDeliveryInfo, AlertTestResult } from '../../../../src/http/api-types.ts';
import { api } from '../../api.ts';
import { useApiData } from '../../use-api-data.ts';
import { useSubmit } from '../../use-submit.ts';
import { ConfirmDialog } from '../ConfirmDialog.tsx';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { Link } from '../Link.tsx';
import { PageHeading } from '../PageHeading.tsx';
import { AlertChannelForm } from './AlertChannelForm.tsx';

/** The delivery list refreshes while something is on its way (a retry, a new alert). */
const REFRESH_MS = 5000;

const TYPE_NAME = { webhook: 'Webhook', slack: 'Slack', email: 'Email' } as const;

const EVENT_LABEL: Record<string, string> = {
  'incident.opened': 'Opened',
  'incident.resolved': 'Resolved',
  'captures.failed': 'Captures failed',
  'alerts.suppressed': 'Suppressed summary',
  test: 'Test',
};

const STATUS_LABEL: Record<AlertDeliveryInfo['status'], string> = { pending: 'Retrying', delivered: 'Delivered', failed: 'Failed', suppressed: 'Held back' };

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

function destination(channel: AlertChannelInfo): string {
  if (channel.type === 'webhook') return channel.url ?? '';
  if (channel.type === 'slack') return channel.secretSet ? 'Webhook URL set (hidden)' : 'Webhook URL not set';
  return channel.email ? `${channel.email.to.join(', ')} via ${channel.email.host}:${channel.email.port}` : '';
}

function DeliveryStatus({ delivery }: { delivery: AlertDeliveryInfo | null }) {
  if (!delivery) return <span class="hint">Nothing sent yet</span>;
  // A first try that is still on its way has no attempt yet: it is not retrying.
  const label = delivery.status === 'pending' && delivery.attempts === 0 ? 'Sending' : STATUS_LABEL[delivery.status];
  return (
    <div class="alert-delivery-status">
      <span class={`badge alert-status alert-status-${delivery.status}`}>{label}</span>{' '}
      <span class="hint">
        {EVENT_LABEL[delivery.event] ?? delivery.event} · {when(delivery.lastAttemptAt ?? delivery.createdAt)}
        {delivery.attempts > 1 ? ` · ${delivery.attempts} attempts` : ''}
      </span>
      {delivery.lastError ? <p class="alert-delivery-error">{delivery.lastError}</p> : null}
    </div>
  );
}

/** Settings → Alerts: the channels alerts go to, "send a test", and how recent alerts fared. */
export function AlertsPage() {
  const me = useApiData(() => api.getMe(), []);
  const channels = useApiData(() => api.listAlertChannels(), []);
  const deliveries = useApiData(() => api.listAlertDeliveries(), []);
  const [editing, setEditing] = useState<AlertChannelInfo | null>(null);
  const [deleting, setDeleting] = useState<AlertChannelInfo | null>(null);
  const [tests, setTests] = useState<Record<string, AlertTestResult>>({});
  // Keyed by channel id: only the row whose test is on its way says so.
  const action = useSubmit<string>();
  const removal = useSubmit();
  const isAdmin = me.data?.role === 'admin';

  useEffect(() => {
    document.title = 'Alerts · Settings · Interhubz';
    const timer = setInterval(() => {
      void channels.reload({ quiet: true });
      void deliveries.reload({ quiet: true });
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  const reloadAll = async () => {
    await Promise.all([channels.reload({ quiet: true }), deliveries.reload({ quiet: true })]);
  };

  async function sendTest(channel: AlertChannelInfo) {
    await action.run(async () => {
      const result = await api.testAlertChannel(channel.id);
      setTests((current) => ({ ...current, [channel.id]: result }));
      await reloadAll();
      return result;
    }, { key: channel.id, success: (result) => (result.delivered ? `Test delivered to ${channel.name}.` : `The test to ${channel.name} failed: ${result.error ?? 'no reason given'}.`) });
  }

  const list = channels.data;
  return (
    <>
      <PageHeading title="Alerts" />
      <p class="page-lead">
        Interhubz tells these channels when a connection needs attention or re-authorisation and when it recovers, when a
        capture fails for good, and when a connection that used to receive webhooks hears none
        {list && list.noWebhookForMinutes > 0 ? ` for ${list.noWebhookForMinutes >= 120 ? `${Math.round(list.noWebhookForMinutes / 60)} hours` : `${list.noWebhookForMinutes} minutes`}` : ''}. One message per
        problem and one when it is resolved
        {list ? `; at most ${list.maxPerChannelPerHour} an hour per channel, then one summary of what was held back` : ''}.{' '}
        <Link href="/settings">Back to settings</Link>
      </p>
      {list && !list.linksInAlerts ? (
        <p class="notice">Set server.publicUrl in the configuration file and alerts will link to the page concerned.</p>
      ) : null}
      {me.error ? <ErrorAlert error={me.error} /> : null}

      <section class="card alerts-card" aria-labelledby="alert-channels-heading">
        <div class="card-header">
          <h2 id="alert-channels-heading">Channels</h2>
          <p class="card-description">
            Channels declared under <code>alerts.channels</code> in the configuration file are shown here and changed there.
            Secrets are never shown: only whether one is set.
          </p>
        </div>
        {channels.error ? <ErrorAlert error={channels.error} /> : null}
        {action.error ? <ErrorAlert error={action.error} /> : null}
        <p role="status" class="status-line">
          {action.status}
        </p>
        {list && list.channels.length === 0 ? (
          <p class="empty-inline">No channels yet. {isAdmin ? 'Add one below, then send a test.' : 'An admin can add one.'}</p>
        ) : null}
        {list && list.channels.length > 0 ? (
          <div class="table-wrap">
            <table class="data-table alert-channels-table">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Sends to</th>
                  <th scope="col">Last delivery</th>
                  {isAdmin ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {list.channels.map((channel) => {
                  const test = tests[channel.id];
                  return (
                    <tr key={channel.id} data-channel={channel.name}>
                      <th scope="row">
                        {channel.name}
                        <div class="hint">{TYPE_NAME[channel.type]}</div>
                        {channel.managedByConfig ? (
                          <span class="badge badge-config" title={channel.yamlKey ?? undefined}>
                            Managed by config
                          </span>
                        ) : null}
                      </th>
                      <td class="alert-destination">
                        {destination(channel)}
                        {channel.type === 'webhook' ? <div class="hint">Secret {channel.secretSet ? 'set' : 'not set'}</div> : null}
                        {channel.type === 'email' && channel.email?.user ? <div class="hint">Password {channel.secretSet ? 'set' : 'not set'}</div> : null}
                      </td>
                      <td>
                        <DeliveryStatus delivery={channel.lastDelivery} />
                        {test ? (
                          <p class={test.delivered ? 'alert-test-result alert-test-ok' : 'alert-test-result alert-test-failed'}>
                            {/* The error itself is the delivery's, shown just above. */}
                            {test.delivered ? 'Test delivered.' : 'Test failed.'}
                          </p>
                        ) : null}
                      </td>
                      {isAdmin ? (
                        <td class="people-actions">
                          <button type="button" class="button button-secondary button-small" disabled={action.busy} onClick={() => void sendTest(channel)}>
                            {action.busyWith === channel.id ? 'Sending…' : 'Send a test'}
                          </button>
                          {channel.managedByConfig ? (
                            <span class="hint">Change it in {channel.yamlKey ?? 'the configuration file'}</span>
                          ) : (
                            <>
                              <button type="button" class="button button-secondary button-small" onClick={() => setEditing(channel)}>
                                Edit
                              </button>
                              <button type="button" class="button button-danger button-small" onClick={() => setDeleting(channel)}>
                                Delete
                              </button>
                            </>
                          )}
                        </td>
                      ) : null}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      {isAdmin ? (
        <section class="card alerts-card" aria-labelledby="alert-form-heading">
          <div class="card-header">
            <h2 id="alert-form-heading">{editing ? `Edit ${editing.name}` : 'Add a channel'}</h2>
          </div>
          <AlertChannelForm
            key={editing?.id ?? 'new'}
            channel={editing}
            onSaved={() => {
              setEditing(null);
              void reloadAll();
            }}
            {...(editing ? { onCancel: () => setEditing(null) } : {})}
          />
        </section>
      ) : null}

      <section class="card alerts-card" aria-labelledby="alert-deliveries-heading">
        <div class="card-header">
          <h2 id="alert-deliveries-heading">Recent alerts</h2>
          <p class="card-description">The last 50 messages and how each channel took them. Failed sends are retried with backoff for about four hours.</p>
        </div>
        {deliveries.error ? <ErrorAlert error={deliveries.error} /> : null}
        {deliveries.data && deliveries.data.deliveries.length === 0 ? <p class="empty-inline">No alerts sent yet.</p> : null}
        {deliveries.data && deliveries.data.deliveries.length > 0 ? (
          <div class="table-wrap">
            <table class="data-table alert-deliveries-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Alert</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.data.deliveries.map((delivery) => (
                  <tr key={delivery.id}>
                    <td>{when(delivery.createdAt)}</td>
                    <td>{delivery.channelName}</td>
                    <td>
                      <strong>{EVENT_LABEL[delivery.event] ?? delivery.event}</strong>
                      {delivery.connection ? ` · ${delivery.connection.name}` : ''}
                      <div class="hint">{delivery.reason}</div>
                    </td>
                    <td>
                      <DeliveryStatus delivery={delivery} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      {deleting ? (
        <ConfirmDialog
          title={`Delete the channel ${deleting.name}?`}
          confirmLabel="Delete"
          busyLabel="Deleting…"
          busy={removal.busy}
          error={removal.error}
          onCancel={() => setDeleting(null)}
          onConfirm={() =>
            void removal.run(async () => {
              await api.deleteAlertChannel(deleting.id);
              if (editing?.id === deleting.id) setEditing(null);
              setDeleting(null);
              await reloadAll();
            })
          }
        >
          <p>Alerts stop going there at once, and its delivery history is removed.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
