// The sandbox's Inbox on the Overview tab (issue #20 item 5): pick a simulated conversation, open it
// in the simulated Intercom Inbox — which sends Interhubz the signed initialize request Intercom would
// — and see the app's card beside it as a teammate would; its buttons send the submit request. What
// the simulator found wrong with an answer is listed plainly, in place of the card, as Intercom
// shows an error instead of an invalid canvas.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SandboxInboxAnswer, SandboxInboxList } from '../../../../src/http/api/sandbox-inbox.ts';
import { type ApiError, toApiError } from '../../api.ts';
import { useSubmit } from '../../use-submit.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { CanvasView, type InputValues } from './CanvasView.tsx';
import { inboxApi } from './inbox-api.ts';

const POLL_MS = 5_000;
const clockTime = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const STATES: Record<string, string> = { open: 'open', closed: 'closed', snoozed: 'snoozed' };

export function SandboxInboxPanel({ connectionId }: { connectionId: string }) {
  const [list, setList] = useState<SandboxInboxList | null>(null);
  const [listError, setListError] = useState<ApiError | null>(null);
  const [selected, setSelected] = useState('');
  const [answer, setAnswer] = useState<SandboxInboxAnswer | null>(null);
  // Each answer is a new canvas: its inputs start from its own values.
  const [shown, setShown] = useState(0);
  const [answeredAt, setAnsweredAt] = useState(0);
  const action = useSubmit<'open' | 'click'>();

  const inFlight = useRef(false);
  async function load() {
    if (inFlight.current) return;
    inFlight.current = true;
    try {
      const next = await inboxApi.list(connectionId);
      setList(next);
      setListError(null);
      setSelected((current) => (next.conversations.some((c) => c.id === current) ? current : (next.conversations[0]?.id ?? '')));
    } catch (caught) {
      setListError(toApiError(caught));
    } finally {
      inFlight.current = false;
    }
  }

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [connectionId]);

  const show = (next: SandboxInboxAnswer) => {
    setAnswer(next);
    setShown((n) => n + 1);
    setAnsweredAt(Date.now());
  };

  async function open() {
    if (!selected) return;
    await action.run(async () => show(await inboxApi.open(connectionId, selected)), { key: 'open' });
  }

  async function click(componentId: string, inputValues: InputValues) {
    if (!answer) return;
    await action.run(async () => show(await inboxApi.click(connectionId, { conversationId: answer.conversationId, componentId, inputValues })), { key: 'click' });
  }

  const conversations = list?.conversations ?? [];
  const openedTitle = answer ? conversations.find((c) => c.id === answer.conversationId) : undefined;

  return (
    <section class="card section-card inbox-panel" aria-labelledby="sandbox-inbox-heading">
      <div class="card-header">
        <h2 id="sandbox-inbox-heading">HubSpot inside Intercom’s Inbox</h2>
        <p class="card-description">
          Interhubz is also an Intercom Inbox app: beside a conversation, teammates see what HubSpot knows about the customer and can act on it. Open a
          simulated conversation in the simulated Inbox: it sends Interhubz the signed request Intercom would and shows the card{' '}
          {list ? `${list.teammate.name} sees` : 'a teammate sees'}.
        </p>
      </div>

      {listError ? <ErrorAlert error={listError} title="Couldn’t list the sandbox conversations." /> : null}
      {list && conversations.length === 0 ? (
        <p class="empty-inline">No conversations yet: simulate one above, then open it here.</p>
      ) : (
        <div class="inbox-pick">
          <div class="field inbox-pick-field">
            <label for="sandbox-inbox-conversation" class="label">
              Conversation
            </label>
            <select id="sandbox-inbox-conversation" class="input select" value={selected} disabled={!list} onChange={(event) => setSelected(event.currentTarget.value)}>
              {conversations.map((c) => (
                <option key={c.id} value={c.id}>
                  {`${c.customer} — ${c.title} (${STATES[c.state] ?? c.state}, #${c.id})`}
                </option>
              ))}
            </select>
          </div>
          <button type="button" class="button button-primary" onClick={() => void open()} disabled={!selected || action.busy}>
            {action.busyWith === 'open' ? 'Opening…' : 'Open in Inbox'}
          </button>
        </div>
      )}
      {action.error ? <ErrorAlert error={action.error} title={action.error.code === 'inbox_refused' ? 'The Inbox did not send that.' : 'Couldn’t reach the sandbox Inbox.'} /> : null}

      {answer ? (
        <div class="inbox-preview">
          <aside class="inbox-details" aria-label="Conversation details in the Inbox">
            <p class="inbox-details-title">
              Conversation details <span class="inbox-details-meta">· #{answer.conversationId}{openedTitle ? ` · ${openedTitle.customer}` : ''}</span>
            </p>
            <div class="inbox-app-card" role="region" aria-label="Interhubz app card" aria-busy={action.busy}>
              <p class="inbox-app-header">
                <span class="inbox-app-icon" aria-hidden="true">
                  IH
                </span>
                Interhubz
              </p>
              {answer.canvas ? (
                <CanvasView key={shown} canvas={answer.canvas} busy={action.busy} onSubmit={(id, values) => void click(id, values)} />
              ) : (
                <p class="inbox-app-failed">This app couldn’t be loaded. Try again later.</p>
              )}
            </div>
          </aside>
          <div class="inbox-verdict" role="status" aria-live="polite">
            <p class="inbox-verdict-line">
              Seen by {answer.teammate.name} · Interhubz answered {answer.status === null ? 'nothing (unreachable or too slow)' : `HTTP ${answer.status}`} at{' '}
              {clockTime.format(answeredAt)}
            </p>
            {answer.problems.length > 0 ? (
              <div class="alert alert-error inbox-problems">
                <div class="alert-body">
                  <p class="alert-title">Intercom would show an error instead of this card:</p>
                  <ul class="alert-details">
                    {answer.problems.map((problem, index) => (
                      <li key={index}>{problem}</li>
                    ))}
                  </ul>
                </div>
              </div>
            ) : (
              <p class="sandbox-done">Interhubz accepted the signed request, and its card is valid Canvas Kit: known components, unique ids, under 64 KB.</p>
            )}
          </div>
        </div>
      ) : null}
    </section>
  );
}
