// The webhook set-up: the two addresses to paste into the Intercom and HubSpot apps (or, without
// server.publicUrl, what to set instead of a loopback address no vendor can reach), and each topic
// the enabled features need with when one last arrived — never is a warning.
import type { ConnectionDetail, NeededWebhookStatus } from '../../../../src/http/api-types.ts';
import { formatDateTime } from '../../format.ts';
import { CopyField } from '../CopyField.tsx';
import type { Vendor } from '../../../../src/http/api-types.ts';

function Subscription({ webhook }: { webhook: NeededWebhookStatus }) {
  return (
    <>
      <code>{webhook.topic}</code>
      {webhook.propertyName ? (
        <>
          {' '}
          on <code>{webhook.propertyName}</code>
        </>
      ) : null}
      {webhook.generic ? (
        <div class="hint">
          or, on HubSpot's newer developer platform, <code>{webhook.generic.subscriptionType}</code> with objectTypeId{' '}
          <code>{webhook.generic.objectTypeId}</code>
        </div>
      ) : null}
    </>
  );
}

function LastReceived({ at }: { at: string | null }) {
  if (at === null) return <span class="badge badge-paused">Never received</span>;
  return (
    <time dateTime={at} title={at}>
      {formatDateTime(at)}
    </time>
  );
}

function NeededTable({ provider, needed }: { provider: Vendor; needed: NeededWebhookStatus[] }) {
  const rows = needed.filter((webhook) => webhook.provider === provider);
  if (rows.length === 0) return null;
  const name = provider === 'intercom' ? 'Intercom topics' : 'HubSpot subscriptions';
  return (
    <div class="table-wrap">
      <table class="data-table" aria-label={name} data-provider={provider}>
        <thead>
          <tr>
            <th scope="col">{name}</th>
            <th scope="col">Needed for</th>
            <th scope="col">Last received</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((webhook) => (
            <tr key={webhook.topic} data-topic={webhook.topic} data-never={webhook.lastReceivedAt === null ? 'true' : 'false'}>
              <td class="cell-name">
                <Subscription webhook={webhook} />
              </td>
              <td>{webhook.features.join('; ')}</td>
              <td>
                <LastReceived at={webhook.lastReceivedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function WebhooksSection({ detail }: { detail: ConnectionDetail }) {
  const { webhookUrls, webhookSetup } = detail;
  const never = webhookSetup.needed.filter((webhook) => webhook.lastReceivedAt === null);
  return (
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
      {webhookUrls ? (
        <div class="stack">
          <CopyField
            id="webhook-url-intercom"
            label="Intercom webhook URL"
            value={webhookUrls.intercom}
            hint={
              detail.sandbox
                ? 'The Intercom simulator already sends its webhooks here.'
                : 'Paste it in the Developer Hub: your Intercom app → Webhooks → Endpoint URL.'
            }
          />
          <CopyField
            id="webhook-url-hubspot"
            label="HubSpot webhook URL"
            value={webhookUrls.hubspot}
            hint={
              detail.sandbox
                ? 'The HubSpot simulator already sends its webhooks here.'
                : 'Paste it in your HubSpot app: Webhooks → Target URL.'
            }
          />
        </div>
      ) : (
        <div class="warning-panel" role="status" id="webhook-public-url-missing">
          <p class="warning-panel-title">No webhook address to paste yet</p>
          <p>{webhookSetup.publicUrlMissing}</p>
        </div>
      )}
      <h3 class="webhook-needed-heading">What to subscribe to</h3>
      {webhookSetup.needed.length === 0 ? (
        <p class="muted">No enabled feature needs a webhook (capture is manual and tickets are off).</p>
      ) : (
        <>
          <p class="card-description">
            Each topic the enabled features need, and when one last arrived for this connection.
            {never.length > 0 ? ` ${never.length} never arrived: check that it is subscribed in the app.` : ''}
          </p>
          <NeededTable provider="intercom" needed={webhookSetup.needed} />
          <NeededTable provider="hubspot" needed={webhookSetup.needed} />
        </>
      )}
    </section>
  );
}
