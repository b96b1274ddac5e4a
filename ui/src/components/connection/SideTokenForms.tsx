// Connecting each side with a token: the Intercom access token (with its region) and the HubSpot
// private-app token, both through the shared TokenForm.
import type { RefObject } from 'preact';
import { useState } from 'preact/hooks';
import type { ConnectionDetail } from '../../../../src/http/api-types.ts';
import { api } from '../../api.ts';
import { TokenForm } from './TokenForm.tsx';

export type Region = ConnectionDetail['intercom']['region'];

export const regionNames: Record<Region, string> = { us: 'United States', eu: 'Europe', au: 'Australia' };

const regionLabels: Record<Region, string> = {
  us: 'United States (app.intercom.com)',
  eu: 'Europe (app.eu.intercom.com)',
  au: 'Australia (app.au.intercom.com)',
};

interface SideTokenFormProps {
  detail: ConnectionDetail;
  inputRef: RefObject<HTMLInputElement | null>;
  onConnected: (detail: ConnectionDetail) => void;
}

export function IntercomTokenForm({ detail, inputRef, onConnected }: SideTokenFormProps) {
  const [region, setRegion] = useState<Region>(detail.intercom.region);
  return (
    <TokenForm
      idPrefix="intercom"
      replacing={detail.intercom.connected}
      inputRef={inputRef}
      text={{
        title: 'Connect with an access token',
        replaceTitle: 'Replace the access token',
        tokenHint: 'From the Developer Hub: your Intercom app → Authentication. It is checked with Intercom before it is saved.',
        webhookSecretHint:
          'The client secret of the Intercom app that sends this workspace’s webhooks, if it is not the app in the configuration file.',
        missing: 'Enter the Intercom access token.',
        submit: 'Connect Intercom',
        replaceSubmit: 'Save the new token',
        errorTitle: 'Intercom was not connected.',
      }}
      extraFields={
        <div class="field">
          <label for="intercom-region" class="label">
            Region
          </label>
          <select
            id="intercom-region"
            class="input select"
            name="region"
            value={region}
            onChange={(event) => setRegion(event.currentTarget.value as Region)}
          >
            {(Object.keys(regionLabels) as Region[]).map((key) => (
              <option key={key} value={key}>
                {regionLabels[key]}
              </option>
            ))}
          </select>
        </div>
      }
      send={(body) => api.connectIntercomToken(detail.id, { ...body, region })}
      onConnected={onConnected}
    />
  );
}

export function HubSpotTokenForm({ detail, inputRef, onConnected }: SideTokenFormProps) {
  return (
    <TokenForm
      idPrefix="hubspot"
      replacing={detail.hubspot.connected}
      inputRef={inputRef}
      text={{
        title: 'Connect with a private-app token',
        replaceTitle: 'Replace the private-app token',
        tokenHint: (
          <>
            A HubSpot private-app token: it starts with <code>pat-</code>. Create one in HubSpot under Settings →
            Integrations → Private apps. It is checked with HubSpot before it is saved.
          </>
        ),
        webhookSecretHint:
          'The client secret of the HubSpot app that signs this portal’s webhooks, if it is not the app in the configuration file.',
        missing: 'Enter the HubSpot private-app token.',
        submit: 'Connect HubSpot',
        replaceSubmit: 'Save the new token',
        errorTitle: 'HubSpot was not connected.',
      }}
      send={(body) => api.connectHubSpotToken(detail.id, body)}
      onConnected={onConnected}
    />
  );
}
