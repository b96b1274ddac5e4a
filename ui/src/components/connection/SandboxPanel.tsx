// The sandbox's demonstration on the Overview tab: act out a customer conversation in the simulated
// Intercom, count down its grace window, and watch the note land in the simulated HubSpot portal.
// Note bodies are HTML made from customer text, so they are only shown inside sandboxed iframes.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SandboxHubSpotView, SimulatedConversationView } from '../../../../src/http/api-types.ts';
import { api, type ApiError, toApiError } from '../../api.ts';
import { useSubmit } from '../../use-submit.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';

const POLL_MS = 2_000;
const clockTime = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const time = (ms: number) => clockTime.format(new Date(ms));

export function SandboxPanel({ connectionId }: { connectionId: string }) {
  const [portal, setPortal] = useState<SandboxHubSpotView | null>(null);
  const [pollError, setPollError] = useState<ApiError | null>(null);
  const [simulated, setSimulated] = useState<SimulatedConversationView | null>(null);
  const simulation = useSubmit();
  const { busy, error: simulateError } = simulation;
  const now = useNow(simulated !== null);

  const inFlight = useRef(false);
  async function poll() {
    if (inFlight.current) return;
    inFlight.current = true;
    try {
      setPortal(await api.getSandboxHubSpot(connectionId));
      setPollError(null);
    } catch (caught) {
      setPollError(toApiError(caught));
    } finally {
      inFlight.current = false;
    }
  }

  useEffect(() => {
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => clearInterval(timer);
  }, [connectionId]);

  async function simulate() {
    await simulation.run(async () => {
      setSimulated(await api.simulateSandboxConversation(connectionId));
      void poll();
    });
  }

  const grace = portal?.capturesAfterSeconds;
  const contactNames = new Map(portal?.contacts.map((c) => [c.id, c.name]));
  const companyNames = new Map(portal?.companies.map((c) => [c.id, c.name]));
  const customerContact = simulated ? portal?.contacts.find((c) => c.email === simulated.customer.email) : undefined;
  const capturedNote = customerContact ? portal?.notes.find((note) => note.contactIds.includes(customerContact.id)) : undefined;

  return (
    <section class="card section-card sandbox-panel" aria-labelledby="sandbox-demo-heading">
      <div class="card-header">
        <h2 id="sandbox-demo-heading">Try it: a conversation becomes a HubSpot note</h2>
        <p class="card-description">
          This connection talks to simulated Intercom and HubSpot. Simulate a customer conversation;{' '}
          {grace === null
            ? 'this connection does not capture on close right now (it is paused, or set to manual capture on the Capture tab), so push the conversation from the Capture tab.'
            : `when it closes, Interhubz waits ${describeSeconds(grace ?? 30)} (the grace window) and writes the transcript to HubSpot.`}
        </p>
      </div>

      <div class="sandbox-run">
        <button type="button" class="button button-primary" onClick={() => void simulate()} disabled={busy}>
          {busy ? 'Simulating…' : simulated ? 'Simulate another conversation' : 'Simulate a customer conversation'}
        </button>
        <div class="sandbox-status" role="status" aria-live="polite">
          {simulated ? <SimulationStatus simulated={simulated} now={now} captured={capturedNote !== undefined} /> : null}
        </div>
      </div>
      {simulateError ? <ErrorAlert error={simulateError} title="Couldn’t simulate a conversation." /> : null}

      <h3 class="subheading">Sandbox HubSpot</h3>
      <p class="hint">What the simulated HubSpot portal holds now, refreshed every 2 seconds. It lives in memory and is gone when Interhubz restarts.</p>
      {pollError ? <ErrorAlert error={pollError} title="Couldn’t read the sandbox HubSpot." /> : null}
      {portal ? (
        <>
          <h4 class="sandbox-list-title">
            Notes <span class="label-optional">({portal.totals.notes})</span>
          </h4>
          {portal.notes.length === 0 ? (
            <p class="empty-inline">
              {simulated
                ? 'No notes yet: the note appears here once the grace window has passed.'
                : 'No notes yet. Simulate a conversation: its note appears here once the grace window has passed.'}
            </p>
          ) : (
            <ol class="sandbox-notes">
              {portal.notes.map((note) => (
                <li key={note.id} class={note === capturedNote ? 'sandbox-note is-latest' : 'sandbox-note'}>
                  <p class="sandbox-note-meta">
                    <strong>Note {note.id}</strong>
                    {note.timestamp ? ` · ${time(Date.parse(note.timestamp))}` : ''} · on{' '}
                    {[
                      ...note.contactIds.map((id) => `contact ${contactNames.get(id) ?? id}`),
                      ...note.companyIds.map((id) => `company ${companyNames.get(id) ?? id}`),
                    ].join(' · ') || 'no record'}
                    {note.owner ? ` · owner ${note.owner}` : ''}
                  </p>
                  <iframe class="sandbox-note-frame" title={`Note ${note.id}`} sandbox="" srcdoc={noteDocument(note.bodyHtml)} />
                </li>
              ))}
            </ol>
          )}
          {portal.totals.notes > portal.notes.length ? <p class="hint">The newest {portal.notes.length} of {portal.totals.notes} notes.</p> : null}

          <div class="overview-grid sandbox-records">
            <RecordTable
              title="Contacts"
              total={portal.totals.contacts}
              rows={portal.contacts.map((c) => ({ id: c.id, name: c.name, detail: c.email ?? '' }))}
              detailLabel="Email"
              highlight={customerContact?.id}
            />
            <RecordTable
              title="Companies"
              total={portal.totals.companies}
              rows={portal.companies.map((c) => ({ id: c.id, name: c.name, detail: c.domain ?? '' }))}
              detailLabel="Domain"
            />
          </div>
        </>
      ) : pollError ? null : (
        <p class="muted">Loading…</p>
      )}
    </section>
  );
}

function SimulationStatus({ simulated, now, captured }: { simulated: SimulatedConversationView; now: number; captured: boolean }) {
  const closedAt = Date.parse(simulated.closedAt);
  const who = `${simulated.customer.name} (${simulated.company.name})`;
  const closed = `Conversation ${simulated.conversationId} with ${who} closed at ${time(closedAt)}`;
  if (captured) return <p class="sandbox-done">{closed}. Captured: its note is below, on the contact and the company.</p>;
  if (simulated.capturesAfterSeconds === null) return <p>{closed}. Nothing captures it on close: push it from the Capture tab.</p>;
  const dueAt = closedAt + simulated.capturesAfterSeconds * 1000;
  const left = Math.ceil((dueAt - now) / 1000);
  return (
    <p>
      {closed} — capture due at {time(dueAt)}{' '}
      <span class="sandbox-countdown">{left > 0 ? `(in ${left} s)` : '(now: waiting for the note…)'}</span>
    </p>
  );
}

function RecordTable(props: { title: string; total: number; rows: Array<{ id: string; name: string; detail: string }>; detailLabel: string; highlight?: string | undefined }) {
  return (
    <div>
      <h4 class="sandbox-list-title">
        {props.title} <span class="label-optional">({props.total})</span>
      </h4>
      {props.rows.length === 0 ? (
        <p class="empty-inline">None yet: a capture creates one when it finds no match.</p>
      ) : (
        <div class="table-wrap">
          <table class="data-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">{props.detailLabel}</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr key={row.id} class={row.id === props.highlight ? 'is-latest' : undefined}>
                  <td class="cell-name">{row.name}</td>
                  <td>{row.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** The current time, ticking every second while `running`, for the countdown. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

function describeSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.round(seconds / 60)} minutes`;
}

/**
 * A whole document for the iframe, in the page's font, so the note reads as HubSpot would show it.
 * Links aim at a new window, which the sandbox blocks: the frame never navigates away from the note.
 */
function noteDocument(noteHtml: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><base target="_blank"><style>body{margin:12px 14px;font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b2130}p{margin:0 0 .6em}</style></head><body>${noteHtml}</body></html>`;
}
