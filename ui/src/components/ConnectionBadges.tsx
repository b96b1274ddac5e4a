import type { JSX } from 'preact';
import type { ConnectionHealth, ConnectionSummary } from '../../../src/http/api-types.ts';

type Status = ConnectionSummary['status'];

const statusLabels: Record<Status, string> = {
  active: 'Active',
  paused: 'Paused',
  needs_reauth: 'Needs re-authorisation',
  disconnected: 'Not connected',
};

// Each status has its own shape as well as its own colour and word, so no one has to tell greens from reds.
const statusIcons: Record<Status, JSX.Element> = {
  active: <circle cx="6" cy="6" r="4" fill="currentColor" />,
  paused: (
    <g fill="currentColor">
      <rect x="2.5" y="2" width="2.5" height="8" rx="0.6" />
      <rect x="7" y="2" width="2.5" height="8" rx="0.6" />
    </g>
  ),
  needs_reauth: (
    <g>
      <path d="M6 1 11.2 10.5H.8z" fill="currentColor" />
      <path d="M6 4.6v2.6" stroke="#fff" stroke-width="1.3" stroke-linecap="round" />
      <circle cx="6" cy="8.9" r="0.7" fill="#fff" />
    </g>
  ),
  disconnected: <circle cx="6" cy="6" r="3.6" fill="none" stroke="currentColor" stroke-width="1.6" />,
};

/** The connection's status as a labelled pill: "Active", "Paused", "Needs re-authorisation", "Not connected". */
function StatusBadge({ status }: { status: Status }) {
  return (
    <span class={`badge badge-${status}`}>
      <svg class="badge-icon" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
        {statusIcons[status]}
      </svg>
      {statusLabels[status]}
    </span>
  );
}

/**
 * The connection's state as a person should read it: what its health says first (parked work is
 * "Needs re-authorisation" and work in trouble "Needs attention", never "Active"), else its status.
 */
export function ConnectionStateBadge({ status, health }: { status: Status; health: ConnectionHealth }) {
  if (health.state === 'needs_reauth') return <StatusBadge status="needs_reauth" />;
  if (health.state !== 'needs_attention') return <StatusBadge status={status} />;
  return (
    <span class="badge badge-needs_attention">
      <svg class="badge-icon" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
        <circle cx="6" cy="6" r="5.4" fill="currentColor" />
        <path d="M6 3v3.4" stroke="#fff" stroke-width="1.4" stroke-linecap="round" />
        <circle cx="6" cy="8.7" r="0.8" fill="#fff" />
      </svg>
      Needs attention
    </span>
  );
}

/** The "Sandbox" and "Managed by config" tags, when they apply. */
export function ConnectionTags({ connection }: { connection: Pick<ConnectionSummary, 'sandbox' | 'managedByConfig'> }) {
  if (!connection.sandbox && !connection.managedByConfig) return null;
  return (
    <>
      {connection.sandbox ? (
        <span class="tag tag-sandbox" title="Wired to the built-in Intercom and HubSpot simulators, not to real accounts">
          Sandbox
        </span>
      ) : null}
      {connection.managedByConfig ? (
        <span class="tag" title="Declared in the configuration file">
          Managed by config
        </span>
      ) : null}
    </>
  );
}
