import { useState } from 'preact/hooks';
import type { Me } from '../../../../src/http/api-types.ts';
import { api } from '../../api.ts';
import { useSubmit } from '../../use-submit.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';

/** Settings → Your password: needs the current one; the account's other sessions end. */
export function ChangePasswordSection({ me }: { me: Me }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const submit = useSubmit();

  async function change(event: SubmitEvent) {
    event.preventDefault();
    const ok = await submit.run(() => api.changePassword({ currentPassword: current, newPassword: next }), {
      success: 'Password changed. Your other sessions have ended; this one stays.',
    });
    if (ok) {
      setCurrent('');
      setNext('');
    }
  }

  return (
    <section class="card own-password-card" aria-labelledby="own-password-heading">
      <div class="card-header">
        <h2 id="own-password-heading">Your password</h2>
        <p class="card-description">
          Signed in as <strong>{me.username}</strong> ({me.role}).
        </p>
      </div>
      {me.passwordManagedByConfig ? (
        <p class="hint">Your password is set in this server’s configuration file; change it there.</p>
      ) : (
        <form class="stack" onSubmit={change} noValidate>
          {submit.error ? <ErrorAlert error={submit.error} /> : null}
          <div class="field">
            <label for="current-password" class="label">
              Current password
            </label>
            <input id="current-password" class="input" type="password" autoComplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="new-password" class="label">
              New password (at least 12 characters)
            </label>
            <input id="new-password" class="input" type="password" autoComplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} />
          </div>
          <div>
            <button type="submit" class="button button-secondary" disabled={submit.busy}>
              {submit.busy ? 'Changing…' : 'Change password'}
            </button>
          </div>
          <p role="status" class="status-line">
            {submit.status}
          </p>
        </form>
      )}
    </section>
  );
}
