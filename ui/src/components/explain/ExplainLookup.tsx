// "Explain a conversation": paste an Intercom conversation id or its URL, open its explainer. The
// server reads what was pasted (GET /api/conversation-ref: the activity search's own reading).
import { useState } from 'preact/hooks';
import { api, type ApiError, toApiError } from '../../api.ts';
import { navigate } from '../../router.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';

export const explainPath = (connectionId: string, conversationId: string) =>
  `/connections/${encodeURIComponent(connectionId)}/conversations/${encodeURIComponent(conversationId)}/explain`;

export function ExplainLookup({ connectionId }: { connectionId: string }) {
  const [input, setInput] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function open(event: Event) {
    event.preventDefault();
    if (input.trim() === '') return;
    setBusy(true);
    setError(null);
    try {
      const ref = await api.readConversationRef(input);
      navigate(explainPath(connectionId, ref.conversationId));
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="explain-lookup" onSubmit={(event) => void open(event)}>
      <label class="label" for="explain-input">
        Explain a conversation
      </label>
      <div class="explain-lookup-row">
        <input
          id="explain-input"
          class="input"
          type="text"
          placeholder="Conversation id or Intercom URL"
          value={input}
          onInput={(event) => setInput(event.currentTarget.value)}
          aria-describedby="explain-hint"
        />
        <button type="submit" class="button button-secondary" disabled={busy || input.trim() === ''}>
          {busy ? 'Opening…' : 'Explain'}
        </button>
      </div>
      <p id="explain-hint" class="hint">
        What happened to it and why — webhooks, guards, routing, matching, what was written — and a replay with the current settings.
      </p>
      {error ? <ErrorAlert error={error} title="That is not a conversation to explain." /> : null}
    </form>
  );
}
