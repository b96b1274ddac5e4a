import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { SessionInfo } from '../../../src/http/api-types.ts';
import { api } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { BrandMark } from '../components/Layout.tsx';
import { useSubmit } from '../use-submit.ts';

const MIN_LENGTH = 12;

interface InvitePageProps {
  onSignedIn: (session: SessionInfo) => void;
}

/**
 * /invite#<token>: an invitation or password-reset link. The token is in the fragment, which the
 * browser never sends to a server; it is read once and the address is cleaned.
 */
export function InvitePage({ onSignedIn }: InvitePageProps) {
  const [token] = useState(() => window.location.hash.replace(/^#/, ''));
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submitting = useSubmit();
  const { busy, error } = submitting;
  const passwordInput = useRef<HTMLInputElement>(null);

  // A layout effect: the title changes with the page, before it is painted (PageHeading does the same).
  useLayoutEffect(() => {
    document.title = 'Choose your password · Interhubz';
    passwordInput.current?.focus();
  }, []);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (busy) return;
    submitting.reset();
    const wrong = password.length < MIN_LENGTH ? `Choose a password of at least ${MIN_LENGTH} characters.` : password !== repeat ? 'The two passwords differ.' : null;
    setProblem(wrong);
    if (wrong) {
      passwordInput.current?.focus();
      return;
    }
    await submitting.run(async () => onSignedIn(await api.acceptInvitation({ invitation: token, password })), { leaves: true });
  }

  return (
    <main class="login" id="main">
      <div class="login-panel">
        <div class="login-brand">
          <BrandMark />
          <span class="brand-name">Interhubz</span>
        </div>
        <div class="card login-card">
          <h1 class="login-title">Choose your password</h1>
          {token ? (
            <>
              <p class="login-subtitle">This link was made for you by an Interhubz admin. It works once; you are signed in as soon as the password is set.</p>
              {error ? <ErrorAlert error={error} /> : null}
              {problem ? (
                <p class="field-error" role="alert">
                  {problem}
                </p>
              ) : null}
              <form onSubmit={submit} noValidate class="stack">
                <div class="field">
                  <label for="invite-password" class="label">
                    New password
                  </label>
                  <p id="invite-password-hint" class="hint">
                    At least {MIN_LENGTH} characters.
                  </p>
                  <input
                    ref={passwordInput}
                    id="invite-password"
                    class="input"
                    type="password"
                    autoComplete="new-password"
                    aria-describedby="invite-password-hint"
                    maxLength={1000}
                    value={password}
                    onInput={(event) => setPassword(event.currentTarget.value)}
                  />
                </div>
                <div class="field">
                  <label for="invite-repeat" class="label">
                    The same password again
                  </label>
                  <input id="invite-repeat" class="input" type="password" autoComplete="new-password" maxLength={1000} value={repeat} onInput={(event) => setRepeat(event.currentTarget.value)} />
                </div>
                <button type="submit" class="button button-primary button-block" disabled={busy}>
                  {busy ? 'Setting the password…' : 'Set password and sign in'}
                </button>
              </form>
            </>
          ) : (
            <p class="field-error" role="alert">
              This address has no invitation in it. Open the whole link you were given, or ask an admin for a new one.
            </p>
          )}
        </div>
        <p class="login-footnote">
          Already have an account? <a href="/login">Sign in</a>.
        </p>
      </div>
    </main>
  );
}
