// One connection: its heading, the re-authorise banner when it lost access, the messages that
// follow a change or an OAuth return, the things to look at, and its tabs. The detail is loaded
// once per connection and read again quietly on each tab switch, so warnings raised meanwhile (a
// ticket stage gone, a ticket deleted) show up wherever the user is.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type ApiError } from '../api.ts';
import { ConnectionStateBadge, ConnectionTags } from '../components/ConnectionBadges.tsx';
import { HealthBanner } from '../components/connection/HealthBanner.tsx';
import { ActivityTab } from '../components/connection/ActivityTab.tsx';
import { ConnectionTabs, TAB_PANEL_ID, tabId } from '../components/connection/ConnectionTabs.tsx';
import { ConversationsTab } from '../components/connection/ConversationsTab.tsx';
import { MatchingTab } from '../components/connection/MatchingTab.tsx';
import { oauthChangedNotice, oauthStatus, readOAuthReturn, withoutOAuthParams } from '../components/connection/oauth-return.ts';
import { OverviewTab } from '../components/connection/OverviewTab.tsx';
import { ReauthBanner } from '../components/connection/ReauthBanner.tsx';
import type { Side, TokenForms } from '../components/connection/SideCard.tsx';
import { type ConnectionTab, connectionPath, connectionTabs } from '../components/connection/tabs.ts';
import { TicketsTab } from '../components/connection/TicketsTab.tsx';
import { UsersTab } from '../components/connection/UsersTab.tsx';
import { WorkTab } from '../components/connection/WorkTab.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { FieldsTab } from '../components/fields/FieldsTab.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { takeFlash } from '../flash.ts';
import { formatDateTime } from '../format.ts';
import { navigate } from '../router.ts';
import { useApiData } from '../use-api-data.ts';

const backLink = <Link href="/connections">← All connections</Link>;

export function ConnectionPage({ id, tab }: { id: string; tab: ConnectionTab }) {
  const connection = useApiData(() => api.getConnection(id), [id]);
  const { data: detail, error: loadError, set: setDetail } = connection;
  const [status, setStatus] = useState<string>(() => takeFlash() ?? '');
  const [notice, setNotice] = useState<string | null>(null);
  const [oauthReturn] = useState(() => readOAuthReturn(window.location.search));
  const forms = useTokenForms(id, tab, (side, updated) => {
    setDetail(updated);
    setNotice(updated.notice ?? null);
    setStatus(
      side === 'intercom'
        ? `Intercom connected: workspace ${updated.intercom.workspaceId ?? ''}.`
        : `HubSpot connected: portal ${updated.hubspot.portalId ?? ''}.`,
    );
  });

  // Failures stay quiet: the page already shows the detail, and the next switch tries again (a
  // lost session is handled by the API client).
  const refresh = () => connection.reload({ quiet: true });

  // Status, last webhook and warnings change on their own (webhooks arrive, syncs hit problems):
  // refreshed quietly while the page is open and visible.
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, 15_000);
    return () => window.clearInterval(timer);
  }, [id]);

  const shownTab = useRef(tab);
  useEffect(() => {
    if (shownTab.current === tab) return;
    shownTab.current = tab;
    void refresh();
  }, [tab]);

  useEffect(() => {
    // A reload must not announce the OAuth return again.
    if (oauthReturn) window.history.replaceState(window.history.state, '', withoutOAuthParams(window.location));
  }, [id]);

  const oauthShown = useRef(false);
  useEffect(() => {
    if (!detail || !oauthReturn || oauthShown.current) return;
    oauthShown.current = true;
    setStatus(oauthStatus(oauthReturn));
    setNotice(oauthChangedNotice(oauthReturn, detail));
  }, [detail]);

  if (loadError || !detail) return <LoadingOrError error={loadError} onRetry={() => void connection.reload()} />;

  const tabLabel = connectionTabs.find((entry) => entry.slug === tab)?.label ?? '';
  return (
    <>
      <PageHeading
        title={detail.name}
        documentTitle={tab === 'overview' ? detail.name : `${tabLabel} · ${detail.name}`}
        back={backLink}
        meta={
          <>
            <ConnectionStateBadge status={detail.status} health={detail.health} />
            <ConnectionTags connection={detail} />
          </>
        }
        description={
          detail.sandbox
            ? 'A sandbox connection: it syncs between the built-in Intercom and HubSpot simulators, never real accounts.'
            : `Created ${formatDateTime(detail.createdAt)}.`
        }
      />

      {detail.status === 'needs_reauth' ? <ReauthBanner detail={detail} forms={forms} /> : null}

      <p class={status ? 'status-message page-status' : 'status-message is-empty'} role="status">
        {status}
      </p>
      <div role="status">
        {notice ? <p class="notice">{notice}</p> : null}
      </div>

      {detail.warnings.length > 0 ? (
        <section class="warning-panel" aria-labelledby="warnings-heading">
          <h2 id="warnings-heading" class="warning-panel-title">
            {detail.warnings.length === 1 ? 'Something to look at' : `${detail.warnings.length} things to look at`}
          </h2>
          <ul>
            {detail.warnings.map((warning, index) => (
              <li key={index}>{warning}</li>
            ))}
          </ul>
        </section>
      ) : null}

      <HealthBanner health={detail.health} />
      <ConnectionTabs id={id} current={tab} />
      <div id={TAB_PANEL_ID} class="tab-panel" role="tabpanel" aria-labelledby={tabId(tab)}>
        {tab === 'overview' ? (
          <OverviewTab
            detail={detail}
            forms={forms}
            onChanged={(updated, message) => {
              setDetail(updated);
              setStatus(message);
            }}
          />
        ) : tab === 'users' ? (
          <UsersTab connectionId={id} />
        ) : tab === 'capture' ? (
          <ConversationsTab connectionId={id} />
        ) : tab === 'matching' ? (
          <MatchingTab connectionId={id} />
        ) : tab === 'tickets' ? (
          <TicketsTab connectionId={id} onChecked={() => void refresh()} />
        ) : tab === 'fields' ? (
          <FieldsTab connectionId={id} />
        ) : tab === 'work' ? (
          <WorkTab connectionId={id} />
        ) : (
          <ActivityTab connectionId={id} />
        )}
      </div>
    </>
  );
}

/**
 * Which token forms are open, and their inputs. Revealing one from another tab (the re-authorise
 * banner) goes to the Overview first, then focuses the form's token field once it is there.
 */
function useTokenForms(id: string, tab: ConnectionTab, onConnected: TokenForms['onConnected']): TokenForms {
  const [open, setOpen] = useState<Record<Side, boolean>>({ intercom: false, hubspot: false });
  const [focusSide, setFocusSide] = useState<Side | null>(null);
  const inputs = { intercom: useRef<HTMLInputElement>(null), hubspot: useRef<HTMLInputElement>(null) };

  const [connectedSide, setConnectedSide] = useState<Side | null>(null);

  useEffect(() => {
    if (!focusSide || tab !== 'overview') return;
    const input = inputs[focusSide].current;
    if (!input) return;
    input.scrollIntoView({ block: 'center' });
    input.focus();
    setFocusSide(null);
  });

  // The form that had focus may be gone once its side is connected: focus moves to the side's heading.
  useEffect(() => {
    if (!connectedSide) return;
    if (!document.activeElement || document.activeElement === document.body) document.getElementById(`${connectedSide}-heading`)?.focus();
    setConnectedSide(null);
  }, [connectedSide]);

  return {
    open,
    inputs,
    reveal(side) {
      setOpen((current) => ({ ...current, [side]: true }));
      setFocusSide(side);
      if (tab !== 'overview') navigate(connectionPath(id, 'overview'), { focus: false });
    },
    onConnected(side, detail) {
      setOpen((current) => ({ ...current, [side]: false }));
      setConnectedSide(side);
      onConnected(side, detail);
    },
  };
}

function LoadingOrError({ error, onRetry }: { error: ApiError | null; onRetry: () => void }) {
  const notFound = error?.status === 404;
  return (
    <>
      <PageHeading title={notFound ? 'Connection not found' : 'Connection'} back={backLink} />
      {error ? (
        notFound ? (
          <div class="card">
            <p>There is no connection at this address. It may have been deleted.</p>
            <p>
              <Link href="/connections">Go to Connections</Link>
            </p>
          </div>
        ) : (
          <ErrorAlert error={error} title="Couldn’t load the connection.">
            <button type="button" class="button button-secondary button-small" onClick={onRetry}>
              Try again
            </button>
          </ErrorAlert>
        )
      ) : (
        <p class="muted" aria-busy="true">
          Loading the connection…
        </p>
      )}
    </>
  );
}
