// One side of a connection (Intercom or HubSpot): what it is connected to and how, and the ways to
// connect or re-authorise it — the vendor's OAuth consent when an app is configured, a token otherwise.
import type { RefObject } from 'preact';
import type { ConnectionDetail, Vendor } from '../../../../src/http/api-types.ts';
import { HubSpotTokenForm, IntercomTokenForm, regionNames } from './SideTokenForms.tsx';

export type Side = Vendor;

export const sideLabels: Record<Side, string> = { intercom: 'Intercom', hubspot: 'HubSpot' };

/** What the page keeps for the token forms, so the re-authorise banner can open and focus them. */
export interface TokenForms {
  open: Record<Side, boolean>;
  reveal: (side: Side) => void;
  inputs: Record<Side, RefObject<HTMLInputElement | null>>;
  onConnected: (side: Side, detail: ConnectionDetail) => void;
}

/** Where the browser goes to connect or re-authorise a side through OAuth; null without an OAuth app. */
export function oauthUrl(detail: ConnectionDetail, side: Side): string | null {
  return detail.oauthStart[side];
}

interface SideCardProps {
  side: Side;
  detail: ConnectionDetail;
  forms: TokenForms;
  /** Shown as a numbered step ("1", "2") while the connection is being set up. */
  step?: number;
}

export function SideCard({ side, detail, forms, step }: SideCardProps) {
  const connected = detail[side].connected;
  const label = sideLabels[side];
  const headingId = `${side}-heading`;
  return (
    <section class={step ? 'card side-card is-step' : 'card side-card'} aria-labelledby={headingId}>
      <div class="card-header">
        <h3 id={headingId} class="side-title" tabIndex={-1}>
          {step ? (
            <span class={connected ? 'step-number is-done' : 'step-number'} aria-hidden="true">
              {connected ? '✓' : step}
            </span>
          ) : null}
          {step ? <span class="visually-hidden">Step {step}: </span> : null}
          {label}
          {step ? (
            <span class={connected ? 'step-state is-done' : 'step-state'}>
              <span class="visually-hidden">, </span>
              {connected ? 'Done' : 'To do'}
            </span>
          ) : null}
        </h3>
        <div class="card-description">
          <SideSummary side={side} detail={detail} />
          {detail[side].refused ? (
            <p class="side-refused">{label} no longer accepts this connection’s credential. Re-authorise to resume.</p>
          ) : null}
        </div>
      </div>
      {side === 'hubspot' ? <ScopeDetails hubspot={detail.hubspot} /> : null}
      <ConnectActions side={side} detail={detail} forms={forms} />
    </section>
  );
}

function SideSummary({ side, detail }: { side: Side; detail: ConnectionDetail }) {
  const how = methodText(detail[side].method, side);
  if (side === 'intercom') {
    const { intercom } = detail;
    if (!intercom.connected) return <p>Not connected yet.</p>;
    return (
      <>
        <p>
          Connected to workspace <code>{intercom.workspaceId}</code>, region {regionNames[intercom.region]}.
        </p>
        {how ? <p class="side-method">{how}</p> : null}
      </>
    );
  }
  const { hubspot } = detail;
  if (!hubspot.connected) return <p>Not connected yet.</p>;
  return (
    <>
      <p>
        Connected to portal <code>{hubspot.portalId}</code>.
      </p>
      {how ? <p class="side-method">{how}</p> : null}
    </>
  );
}

function methodText(method: ConnectionDetail['intercom']['method'], side: Side): string | null {
  if (method === 'oauth') return `Connected through ${sideLabels[side]}’s OAuth consent.`;
  if (method === 'token') return side === 'hubspot' ? 'Connected with a private-app token.' : 'Connected with an access token.';
  return null;
}

function ScopeDetails({ hubspot }: { hubspot: ConnectionDetail['hubspot'] }) {
  const missing = hubspot.missingScopes;
  return (
    <>
      {missing.length > 0 ? (
        <div class="side-warning" role="note" aria-labelledby="missing-scopes-title">
          <p id="missing-scopes-title" class="side-warning-title">
            HubSpot did not grant {missing.length === 1 ? 'a scope' : `${missing.length} scopes`} Interhubz needs
          </p>
          <ul class="scope-list">
            {missing.map((scope) => {
              // Record sync's own needs name the mappings that need them.
              const neededBy = hubspot.missingScopeNeeds.filter((need) => need.scope === scope).map((need) => need.neededBy);
              return (
                <li key={scope}>
                  <code>{scope}</code>
                  {neededBy.length > 0 ? <span class="scope-needed-by"> — needed by {neededBy.join('; ')}</span> : null}
                </li>
              );
            })}
          </ul>
          <p>
            {hubspot.method === 'token'
              ? `Add ${missing.length === 1 ? 'it' : 'them'} to the private app in HubSpot, then save its token here again`
              : `Re-authorise HubSpot and grant ${missing.length === 1 ? 'it' : 'them'}`}
            , so that nothing fails for lack of access.
          </p>
        </div>
      ) : null}
      {hubspot.connected && hubspot.scopes && hubspot.scopes.length > 0 ? (
        <details class="scopes">
          <summary>Granted scopes ({hubspot.scopes.length})</summary>
          <ul class="scope-list">
            {hubspot.scopes.map((scope) => (
              <li key={scope}>
                <code>{scope}</code>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

function ConnectActions({ side, detail, forms }: { side: Side; detail: ConnectionDetail; forms: TokenForms }) {
  const url = oauthUrl(detail, side);
  const label = sideLabels[side];
  const connected = detail[side].connected;
  // Re-authorising a healthy side is not the page's main action; connecting or repairing one is.
  const primary = !connected || detail[side].refused || (detail.status === 'needs_reauth' && !detail.intercom.refused && !detail.hubspot.refused);
  // Without OAuth the token form is the way in, open until the side is connected; after that, and
  // beside OAuth, it waits behind a button. The sandbox only shows it when the banner asks for it.
  const formShown = forms.open[side] || (!url && !connected && !detail.sandbox);
  const toggleLabel = url ? 'Use an access token instead' : 'Replace the access token';
  const toggle = !formShown && !detail.sandbox;

  return (
    <>
      {detail.sandbox && !detail[side].refused ? (
        <p class="muted">{`The sandbox is already connected to the simulated ${label} ${side === 'intercom' ? 'workspace' : 'portal'}.`}</p>
      ) : null}
      {url || toggle ? (
        <div class="connect-actions">
          {url ? (
            <a class={primary ? 'button button-primary' : 'button button-secondary'} href={url}>
              {connected ? `Re-authorise ${label}` : `Connect with ${label}`}
            </a>
          ) : null}
          {toggle ? (
            <button type="button" class={url ? 'button-link' : 'button button-secondary'} onClick={() => forms.reveal(side)}>
              {toggleLabel}
            </button>
          ) : null}
        </div>
      ) : null}
      {formShown ? <SideTokenForm side={side} detail={detail} forms={forms} /> : null}
    </>
  );
}

function SideTokenForm({ side, detail, forms }: { side: Side; detail: ConnectionDetail; forms: TokenForms }) {
  const props = { detail, inputRef: forms.inputs[side], onConnected: (updated: ConnectionDetail) => forms.onConnected(side, updated) };
  return side === 'intercom' ? <IntercomTokenForm {...props} /> : <HubSpotTokenForm {...props} />;
}
