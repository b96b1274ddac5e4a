// The push box: capture one conversation now. "Preview" is a dry run (nothing is written) that shows
// what would happen and the note itself; "Write to HubSpot" does it. The note preview is HTML built
// from customer text, so it is only ever shown inside a sandboxed iframe (no scripts, no same origin).
import { useState } from 'preact/hooks';
import type { PushRecord, PushResult } from '../../../../src/http/api-types.ts';
import { api } from '../../api.ts';
import { useSubmit } from '../../use-submit.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';

const outcomeText: Record<PushResult['outcome'], string> = {
  planned: 'Preview: nothing was written.',
  captured: 'Captured: a new note is in HubSpot.',
  updated: 'Updated: the conversation’s note was brought up to date.',
  unchanged: 'Unchanged: the note in HubSpot already says all of this.',
  skipped: 'Skipped: nothing was written.',
};

const howText: Record<NonNullable<PushRecord['how']>, string> = {
  linked: 'linked before',
  email: 'matched by email',
  phone: 'matched by phone',
  external_id: 'matched by external id',
  domain: 'matched by domain',
  name: 'matched by name',
  id_property: 'matched by company id',
  created: 'created',
  existing: 'already there',
};

const destinationText = { contact: 'contact', company: 'company', ticket: 'ticket' } as const;

/** What happens to a contact or company, in words. */
function recordText(record: PushRecord | undefined, dryRun: boolean): string {
  if (!record) return 'Not looked up';
  if (record.skipped) return `None: ${record.skipped}`;
  if (record.id === null) return record.created || dryRun ? 'Will be created' : 'None';
  const how = record.created ? 'created' : record.how ? howText[record.how] : null;
  return `${record.id}${how ? ` (${how})` : ''}${record.tieBreak ? `; ${record.tieBreak}` : ''}`;
}

type TicketResult = NonNullable<PushResult['ticket']>;

/** "Ticket 123 — created in Support Pipeline · Closed", or why there is none. */
function ticketText(ticket: TicketResult): string {
  const where = ticket.pipeline ? [ticket.pipeline, ticket.stage].filter(Boolean).join(' · ') : null;
  const named = ticket.ticketId ? `Ticket ${ticket.ticketId}` : 'A ticket';
  switch (ticket.outcome) {
    case 'planned':
      return `Will be created${where ? ` (${where})` : ''}`;
    case 'created':
      return `${named} — created${where ? ` in ${where}` : ''}`;
    case 'existing':
      return `${named} — already linked to this conversation${where ? `; its stage follows the conversation (${where})` : ''}`;
    case 'reused':
      return `${named} — the contact’s open ticket, reused${where ? ` (${where})` : ''}`;
    case 'recovered':
      return `${named} — found again after an interruption, not made twice${where ? ` (${where})` : ''}`;
    case 'deleted':
      return `None: ${ticket.problem ?? 'the conversation’s ticket was deleted in HubSpot, and no new one is made.'}`;
    case 'off':
      return `None: ${ticket.problem ?? 'tickets are off'}`;
  }
}

export function PushBox({ connectionId }: { connectionId: string }) {
  const [conversationId, setConversationId] = useState('');
  const [force, setForce] = useState(false);
  const submit = useSubmit<'preview' | 'write'>();
  const { busyWith: busy, error } = submit;
  const [missing, setMissing] = useState(false);
  const [result, setResult] = useState<PushResult | null>(null);

  async function push(dryRun: boolean) {
    if (busy) return;
    const id = conversationId.trim();
    submit.reset();
    if (!id) {
      setMissing(true);
      document.getElementById('push-conversation-id')?.focus();
      return;
    }
    setMissing(false);
    const done = await submit.run(async () => setResult(await api.pushConversation(connectionId, id, { dryRun, force })), { key: dryRun ? 'preview' : 'write' });
    if (!done) setResult(null);
  }

  return (
    <section class="card section-card" aria-labelledby="push-heading">
      <div class="card-header">
        <h2 id="push-heading">Push a conversation</h2>
        <p class="card-description">
          Capture one conversation now, whatever the capture mode. Preview first to see where it would go and the note it would
          write; nothing is written until you choose Write to HubSpot.
        </p>
      </div>
      <form
        class="stack"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void push(true);
        }}
      >
        <div class="field">
          <label for="push-conversation-id" class="label">
            Intercom conversation id
          </label>
          <p id="push-conversation-id-hint" class="hint">
            The number at the end of the conversation’s address in Intercom.
          </p>
          <input
            id="push-conversation-id"
            class="input input-mono input-short"
            type="text"
            inputMode="numeric"
            autoComplete="off"
            spellcheck={false}
            value={conversationId}
            aria-invalid={missing ? true : undefined}
            aria-describedby={missing ? 'push-conversation-id-hint push-conversation-id-error' : 'push-conversation-id-hint'}
            onInput={(event) => {
              setConversationId(event.currentTarget.value);
              if (missing) setMissing(false);
            }}
          />
          {missing ? (
            <p id="push-conversation-id-error" class="field-error" role="alert">
              Enter the id of the conversation to push.
            </p>
          ) : null}
        </div>
        <label class="checkbox-label" for="push-force">
          <input id="push-force" type="checkbox" checked={force} onChange={(event) => setForce(event.currentTarget.checked)} />
          Force (ignore the noise guards and whether the conversation is closed)
        </label>
        <div class="push-actions">
          <button type="submit" class="button button-secondary" disabled={busy !== null}>
            {busy === 'preview' ? 'Previewing…' : 'Preview'}
          </button>
          <button type="button" class="button button-primary" disabled={busy !== null} onClick={() => void push(false)}>
            {busy === 'write' ? 'Writing…' : 'Write to HubSpot'}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {error ? <ErrorAlert error={error} title="The push did not go through." /> : null}
        {result ? <PushOutcome result={result} /> : null}
      </div>
    </section>
  );
}

export function OutcomeBadge({ outcome }: { outcome: string }) {
  return <span class={`outcome-badge outcome-${outcome}`}>{outcome}</span>;
}

function PushOutcome({ result }: { result: PushResult }) {
  const dryRun = result.outcome === 'planned';
  const skipped = result.outcome === 'skipped';
  return (
    <div class="push-result">
      <p class="push-result-title">
        <OutcomeBadge outcome={result.outcome} /> {outcomeText[result.outcome]}
      </p>
      {skipped && result.reason ? (
        <p class="push-reason">
          {result.guard ? (
            <>
              Stopped by the guard <code>{result.guard}</code>:{' '}
            </>
          ) : result.rule ? (
            <>
              Routing rule <strong>{result.rule}</strong>:{' '}
            </>
          ) : null}
          {result.reason}.
        </p>
      ) : null}
      <dl class="push-facts">
        <div>
          <dt>Conversation</dt>
          <dd class="mono">{result.conversationId}</dd>
        </div>
        <div>
          <dt>Destinations</dt>
          <dd>
            {result.destinations.length > 0 ? result.destinations.map((d) => destinationText[d]).join(', ') : 'None'}
            {result.rule ? <span class="cell-sub">by the rule “{result.rule}”</span> : result.destinations.length > 0 ? <span class="cell-sub">the defaults (no rule matched)</span> : null}
          </dd>
        </div>
        {result.contact || !skipped ? (
          <div>
            <dt>HubSpot contact</dt>
            <dd>{recordText(result.contact, dryRun)}</dd>
          </div>
        ) : null}
        {result.company || (!skipped && result.destinations.includes('company')) ? (
          <div>
            <dt>HubSpot company</dt>
            <dd>{result.company ? recordText(result.company, dryRun) : 'None: the customer has no company in Intercom'}</dd>
          </div>
        ) : null}
        {!skipped ? (
          <div>
            <dt>Note owner</dt>
            <dd>{result.ownerId ? `HubSpot owner ${result.ownerId}` : 'No owner (see the Users tab)'}</dd>
          </div>
        ) : null}
        {result.noteId ? (
          <div>
            <dt>{dryRun ? 'Existing note' : 'HubSpot note'}</dt>
            <dd class="mono">{result.noteId}</dd>
          </div>
        ) : null}
        {result.ticket ? (
          <div>
            <dt>HubSpot ticket</dt>
            <dd>{ticketText(result.ticket)}</dd>
          </div>
        ) : null}
        <div>
          <dt>API calls</dt>
          <dd>
            {result.apiCalls.intercom} Intercom, {result.apiCalls.hubspot} HubSpot
          </dd>
        </div>
        <div>
          <dt>Took</dt>
          <dd>{result.durationMs.toLocaleString()} ms</dd>
        </div>
      </dl>
      {result.preview ? (
        <div class="note-preview">
          <p class="label">
            Note preview{' '}
            <span class="label-optional">
              ({result.preview.noteChars.toLocaleString()} characters, {result.preview.partsShown} messages
              {result.preview.partsCutForSize > 0 ? `, ${result.preview.partsCutForSize} cut to fit HubSpot’s size limit` : ''}
              {result.preview.cappedByIntercom ? '; Intercom returned only the latest messages' : ''})
            </span>
          </p>
          <iframe class="note-frame" title="Note preview" sandbox="" srcdoc={previewDocument(result.preview.noteHtml)} />
        </div>
      ) : null}
    </div>
  );
}

/**
 * A whole document for the iframe, in the page's font, so the note reads as HubSpot would show it.
 * Links aim at a new window, which the sandbox blocks: the frame never navigates away from the note.
 */
function previewDocument(noteHtml: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><base target="_blank"><style>body{margin:14px 16px;font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b2130}p{margin:0 0 .6em}</style></head><body>${noteHtml}</body></html>`;
}
