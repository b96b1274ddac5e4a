// The two webhook addresses to paste into the Intercom and HubSpot apps, and when one last arrived.
import type { ConnectionDetail } from '../../../../src/http/api-types.ts';
import { formatDateTime } from '../../format.ts';
import { CopyField } from '../CopyField.tsx';

export function WebhooksSection({ detail }: { detail: ConnectionDetail }) {
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
  );
}
