// Shown on every tab while the connection is needs_reauth: which side refused its credential, what
// that means for the work, and a way to re-authorise it (its OAuth consent, or its token form).
import type { ConnectionDetail } from '../../../../src/http/api-types.ts';
import { oauthUrl, type Side, sideLabels, type TokenForms } from './SideCard.tsx';

const sides: Side[] = ['intercom', 'hubspot'];

export function ReauthBanner({ detail, forms }: { detail: ConnectionDetail; forms: TokenForms }) {
  const refused = sides.filter((side) => detail[side].refused);
  // When the server does not say which side (an older record), offer both.
  const offered = refused.length > 0 ? refused : sides;
  const lost = refused.length > 0 ? refused.map((side) => sideLabels[side]).join(' and ') : 'Intercom or HubSpot';
  const why =
    refused.length === 1
      ? `${lost} no longer accepts this connection’s credential: it was revoked, or could not be refreshed.`
      : 'A credential was revoked, or could not be refreshed.';
  return (
    <section class="reauth-banner" role="alert" aria-labelledby="reauth-title">
      <svg class="alert-icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
        <path d="M10 2.2 18.4 17H1.6z" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" />
        <path d="M10 7.5v4.5" stroke="currentColor" stroke-width="1.75" stroke-linecap="round" />
        <circle cx="10" cy="14.6" r="1.05" fill="currentColor" />
      </svg>
      <div class="alert-body">
        <h2 id="reauth-title" class="reauth-title">
          Interhubz lost access to {lost} for this connection.
        </h2>
        <p>
          {why} Work for this connection is paused until you re-authorise; settings and linkage records are kept.
        </p>
        <div class="connect-actions">
          {offered.map((side) => {
            const url = oauthUrl(detail, side);
            const name = `Re-authorise ${sideLabels[side]}`;
            return url ? (
              <a key={side} class="button button-primary" href={url}>
                {name}
              </a>
            ) : (
              <button key={side} type="button" class="button button-primary" onClick={() => forms.reveal(side)}>
                {name}
              </button>
            );
          })}
        </div>
      </div>
    </section>
  );
}
