import { useState } from 'preact/hooks';
import type { AlertChannelInfo, AlertChannelType, CreateAlertChannelBody, UpdateAlertChannelBody } from '../../../../src/http/api-types.ts';
import { api } from '../../api.ts';
import { useSubmit } from '../../use-submit.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';

const TYPE_LABEL: Record<AlertChannelType, string> = { webhook: 'Webhook (signed JSON)', slack: 'Slack incoming webhook', email: 'Email (SMTP)' };

interface FormState {
  type: AlertChannelType;
  name: string;
  url: string;
  secret: string;
  host: string;
  port: string;
  secure: 'auto' | 'tls' | 'starttls';
  user: string;
  password: string;
  from: string;
  to: string;
}

function initialState(channel: AlertChannelInfo | null): FormState {
  const email = channel?.email;
  return {
    type: channel?.type ?? 'webhook',
    name: channel?.name ?? '',
    url: channel?.url ?? '',
    secret: '',
    host: email?.host ?? '',
    port: String(email?.port ?? 587),
    secure: email?.secure === true ? 'tls' : email?.secure === false ? 'starttls' : 'auto',
    user: email?.user ?? '',
    password: '',
    from: email?.from ?? '',
    to: email?.to.join(', ') ?? '',
  };
}

function smtpOf(form: FormState) {
  return {
    host: form.host.trim(),
    port: Number(form.port),
    ...(form.secure === 'auto' ? {} : { secure: form.secure === 'tls' }),
    user: form.user.trim(),
  };
}

const recipients = (to: string) => to.split(/[,\s]+/).filter(Boolean);

/** The create body: every secret given. */
function createBody(form: FormState): CreateAlertChannelBody {
  const name = form.name.trim();
  if (form.type === 'webhook') return { type: 'webhook', name, url: form.url.trim(), secret: form.secret };
  if (form.type === 'slack') return { type: 'slack', name, url: form.secret.trim() };
  return { type: 'email', name, smtp: { ...smtpOf(form), password: form.password }, from: form.from.trim(), to: recipients(form.to) };
}

/** The update body: a secret left empty keeps the stored one. */
function updateBody(form: FormState): UpdateAlertChannelBody {
  const name = form.name.trim();
  if (form.type === 'webhook') return { type: 'webhook', name, url: form.url.trim(), ...(form.secret ? { secret: form.secret } : {}) };
  if (form.type === 'slack') return { type: 'slack', name, ...(form.secret.trim() ? { url: form.secret.trim() } : {}) };
  return { type: 'email', name, smtp: { ...smtpOf(form), ...(form.password ? { password: form.password } : {}) }, from: form.from.trim(), to: recipients(form.to) };
}

/**
 * Adds a channel, or edits one (`channel` given). Secrets are write-only: the form never shows the
 * stored one, and an edit that leaves the field empty keeps it.
 */
export function AlertChannelForm({ channel, onSaved, onCancel }: { channel: AlertChannelInfo | null; onSaved: (saved: AlertChannelInfo) => void; onCancel?: () => void }) {
  const [form, setForm] = useState<FormState>(() => initialState(channel));
  const submit = useSubmit();
  const editing = channel !== null;
  const id = editing ? `edit-${channel.id}` : 'new-channel';
  const set = (key: keyof FormState) => (event: Event) => setForm({ ...form, [key]: (event.currentTarget as HTMLInputElement).value });
  const keeps = editing && channel.secretSet && channel.type === form.type;
  const fieldError = (path: string) => submit.fieldErrors.get(path);

  async function save(event: SubmitEvent) {
    event.preventDefault();
    await submit.run(async () => {
      const saved = editing ? await api.updateAlertChannel(channel.id, updateBody(form)) : await api.createAlertChannel(createBody(form));
      onSaved(saved);
      if (!editing) setForm(initialState(null));
    }, { success: editing ? 'Channel saved.' : 'Channel added. Send a test to check it.' });
  }

  const field = (key: keyof FormState, label: string, options: { type?: 'text' | 'url' | 'password' | 'number' | 'email'; hint?: string; path?: string; placeholder?: string; autoComplete?: string } = {}) => {
    const error = fieldError(options.path ?? key);
    return (
      <div class="alert-field">
        <label class="label" for={`${id}-${key}`}>
          {label}
        </label>
        {options.hint ? <p class="hint">{options.hint}</p> : null}
        <input
          id={`${id}-${key}`}
          class="input"
          // Preact's input types are a union per `type`; these five take the same attributes.
          type={(options.type ?? 'text') as 'text'}
          value={form[key]}
          placeholder={options.placeholder}
          autoComplete={options.autoComplete ?? 'off'}
          aria-invalid={error ? true : undefined}
          onInput={set(key)}
        />
        {error ? <p class="field-error">{error}</p> : null}
      </div>
    );
  };

  const keepHint = keeps ? 'Leave empty to keep the one stored.' : undefined;

  return (
    <form class="alert-channel-form" onSubmit={save} noValidate aria-label={editing ? `Edit ${channel.name}` : 'Add a channel'}>
      {submit.error ? <ErrorAlert error={submit.error} /> : null}
      <div class="alert-field">
        <label class="label" for={`${id}-type`}>
          Type
        </label>
        <select id={`${id}-type`} class="input" value={form.type} onChange={(event) => setForm({ ...form, type: event.currentTarget.value as AlertChannelType })}>
          {(Object.keys(TYPE_LABEL) as AlertChannelType[]).map((type) => (
            <option key={type} value={type}>
              {TYPE_LABEL[type]}
            </option>
          ))}
        </select>
      </div>
      {field('name', 'Name', { hint: 'Shown in the list and the audit trail, for example “Ops on-call”.' })}
      {form.type === 'webhook' ? (
        <>
          {field('url', 'URL', { type: 'url', placeholder: 'https://alerts.example.com/interhubz', hint: 'Interhubz POSTs JSON here. https only (plain http only to this machine).' })}
          {field('secret', 'Shared secret', { type: 'password', path: 'secret', autoComplete: 'new-password', hint: keepHint ?? 'At least 16 characters. Each body is signed with it: X-Interhubz-Signature, see the README.' })}
        </>
      ) : null}
      {form.type === 'slack' ? field('secret', 'Slack webhook URL', { type: 'password', path: 'url', autoComplete: 'off', placeholder: 'https://hooks.slack.com/services/…', hint: keepHint ?? 'From the Slack app’s Incoming Webhooks page. It is a secret: anyone holding it can post.' }) : null}
      {form.type === 'email' ? (
        <>
          <div class="alert-field-row">
            {field('host', 'SMTP server', { path: 'smtp.host', placeholder: 'smtp.example.com' })}
            {field('port', 'Port', { type: 'number', path: 'smtp.port' })}
          </div>
          <div class="alert-field">
            <label class="label" for={`${id}-secure`}>
              Encryption
            </label>
            <select id={`${id}-secure`} class="input" value={form.secure} onChange={(event) => setForm({ ...form, secure: event.currentTarget.value as FormState['secure'] })}>
              <option value="auto">By port (465: TLS; otherwise STARTTLS)</option>
              <option value="tls">TLS from the start</option>
              <option value="starttls">STARTTLS</option>
            </select>
          </div>
          <div class="alert-field-row">
            {field('user', 'User (optional)', { path: 'smtp.user', autoComplete: 'off' })}
            {field('password', 'Password', { type: 'password', path: 'smtp.password', autoComplete: 'new-password', hint: keepHint })}
          </div>
          {field('from', 'From', { type: 'email', placeholder: 'interhubz@example.com' })}
          {field('to', 'To', { path: 'to', placeholder: 'ops@example.com, oncall@example.com', hint: 'One or more addresses, separated by commas.' })}
        </>
      ) : null}
      <div class="alert-form-actions">
        <button type="submit" class="button button-primary" disabled={submit.busy}>
          {submit.busy ? 'Saving…' : editing ? 'Save channel' : 'Add channel'}
        </button>
        {onCancel ? (
          <button type="button" class="button button-secondary" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
        <p role="status" class="status-line">
          {submit.status}
        </p>
      </div>
    </form>
  );
}
