// When an alert is due: pure decisions over what is open and what is true now, so each rule is
// tested without a database or a clock.
//
// Health (src/health/connection-health.ts): a connection that enters needs_attention or
// needs_reauth opens an incident (one message); leaving it closes the incident (one "resolved"
// message). While it stays unhealthy, a new reason with the same incident kind (attempt 4 → 5) says
// nothing. A different incident kind or state (retrying → parked, needs_attention → needs_reauth)
// is a new incident: the old one is closed as "replaced" without a "resolved" message — it is not
// resolved — and the new one's message says what it is now. So a person gets one message per
// problem and one when it is over. A paused connection keeps its incidents as they are (pausing
// fixes nothing, and says nothing); a deleted one has its incidents closed without a message.
//
// No webhook: a connection that has received webhooks before and has heard none for
// alerts.noWebhookFor opens a 'no_webhook' incident; the next webhook resolves it.

type HealthState = 'ok' | 'needs_attention' | 'needs_reauth' | 'paused';

/** The health of one connection as src/health reports it (the shape shared between #16's parts). */
export interface HealthNow {
  state: HealthState;
  reason: string | null;
  incident: string | null;
  link: string | null;
}

type IncidentSource = 'health' | 'no_webhook';

export interface OpenIncident {
  id: number;
  connectionId: string;
  source: IncidentSource;
  state: string;
  kind: string;
}

export interface NewIncident {
  connectionId: string;
  source: IncidentSource;
  state: string;
  kind: string;
  reason: string;
  link: string | null;
}

export type IncidentAction =
  | { type: 'open'; incident: NewIncident }
  | { type: 'replace'; closeId: number; incident: NewIncident }
  | { type: 'resolve'; incidentId: number; connectionId: string; source: IncidentSource }
  | { type: 'close_silently'; incidentId: number };

const UNHEALTHY = new Set<HealthState>(['needs_attention', 'needs_reauth']);

const STATE_WORDS: Record<'needs_attention' | 'needs_reauth', string> = { needs_attention: 'Needs attention', needs_reauth: 'Needs re-authorisation' };

/** What to do about the health incidents, given every open one and every connection's health now. */
export function decideHealthIncidents(open: readonly OpenIncident[], health: ReadonlyMap<string, HealthNow>): IncidentAction[] {
  const actions: IncidentAction[] = [];
  const openByConnection = new Map(open.filter((incident) => incident.source === 'health').map((incident) => [incident.connectionId, incident]));
  for (const [connectionId, current] of openByConnection) {
    if (!health.has(connectionId)) actions.push({ type: 'close_silently', incidentId: current.id });
  }
  for (const [connectionId, now] of health) {
    const current = openByConnection.get(connectionId);
    if (now.state === 'paused') continue;
    if (!UNHEALTHY.has(now.state)) {
      if (current) actions.push({ type: 'resolve', incidentId: current.id, connectionId, source: 'health' });
      continue;
    }
    const incident: NewIncident = {
      connectionId,
      source: 'health',
      state: now.state,
      kind: now.incident ?? now.state,
      reason: now.reason ?? STATE_WORDS[now.state as 'needs_attention' | 'needs_reauth'],
      // Every alert links somewhere: the work concerned, else the connection's page.
      link: now.link ?? `/connections/${connectionId}`,
    };
    if (!current) actions.push({ type: 'open', incident });
    else if (current.state !== incident.state || current.kind !== incident.kind) actions.push({ type: 'replace', closeId: current.id, incident });
  }
  return actions;
}

export interface WebhookSilence {
  connectionId: string;
  /** When its last webhook arrived; null when it never received one (then nothing is expected). */
  lastWebhookAt: number | null;
  /** Only an active connection is expected to hear webhooks. */
  active: boolean;
  /**
   * Its health already has the incident 'webhooks_silent' (no webhooks while the sweep finds
   * changes): that incident speaks for the silence, so no second one opens; an open one stays.
   */
  coveredByHealth?: boolean;
}

/** What to do about 'no_webhook' incidents; `limitMs` 0 turns the check off (and closes what is open). */
export function decideWebhookSilence(open: readonly OpenIncident[], connections: readonly WebhookSilence[], now: number, limitMs: number): IncidentAction[] {
  const actions: IncidentAction[] = [];
  const openByConnection = new Map(open.filter((incident) => incident.source === 'no_webhook').map((incident) => [incident.connectionId, incident]));
  const known = new Set(connections.map((connection) => connection.connectionId));
  for (const [connectionId, current] of openByConnection) if (!known.has(connectionId)) actions.push({ type: 'close_silently', incidentId: current.id });
  for (const connection of connections) {
    const current = openByConnection.get(connection.connectionId);
    if (connection.coveredByHealth) continue;
    const silent = limitMs > 0 && connection.active && connection.lastWebhookAt !== null && now - connection.lastWebhookAt >= limitMs;
    if (silent && !current) {
      actions.push({
        type: 'open',
        incident: {
          connectionId: connection.connectionId,
          source: 'no_webhook',
          state: 'needs_attention',
          kind: 'no_webhook',
          reason: `No webhook received for ${describeDuration(now - (connection.lastWebhookAt ?? now))} (last at ${new Date(connection.lastWebhookAt ?? now).toISOString()})`,
          // The overview shows the webhook URLs and when each topic last arrived.
          link: `/connections/${connection.connectionId}`,
        },
      });
    } else if (!silent && current) {
      // A paused connection is not expected to hear anything: its silence is no longer a problem.
      actions.push({ type: 'resolve', incidentId: current.id, connectionId: connection.connectionId, source: 'no_webhook' });
    }
  }
  return actions;
}

/** "3 h", "2 d", "45 min": how long, as a person says it. */
function describeDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/** A capture job that failed for good (its attempts are used up, or it failed permanently). */
export interface FailedCapture {
  connectionId: string;
  conversationId: string | null;
  reason: string;
}

export interface FailedCapturesSummary {
  connectionId: string;
  count: number;
  reason: string;
}

/** How many conversation ids a message lists before "and N more". */
const LISTED_IDS = 5;

/** One message per connection per tick: "2 captures failed for good: conversations 1, 2 — <the last reason>". */
export function summariseFailedCaptures(failed: readonly FailedCapture[]): FailedCapturesSummary[] {
  const byConnection = new Map<string, FailedCapture[]>();
  for (const capture of failed) byConnection.set(capture.connectionId, [...(byConnection.get(capture.connectionId) ?? []), capture]);
  return [...byConnection].map(([connectionId, captures]) => {
    const ids = captures.map((capture) => capture.conversationId).filter((id): id is string => id !== null);
    const listed = ids.slice(0, LISTED_IDS).join(', ');
    const more = ids.length > LISTED_IDS ? ` and ${ids.length - LISTED_IDS} more` : '';
    const noun = captures.length === 1 ? 'capture' : 'captures';
    const which = ids.length > 0 ? `: conversation${ids.length === 1 ? '' : 's'} ${listed}${more}` : '';
    return { connectionId, count: captures.length, reason: `${captures.length} ${noun} failed for good${which} — ${captures.at(-1)?.reason ?? 'no reason recorded'}` };
  });
}
