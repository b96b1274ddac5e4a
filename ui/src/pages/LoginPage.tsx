import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { SessionInfo } from '../../../src/http/api-types.ts';
import { api } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { BrandMark } from '../components/Layout.tsx';
import { useSubmit } from '../use-submit.ts';

interface LoginPageProps {
  /** Why the user is here, when it isn't a first visit ("You have signed out."). */
  notice: string | null;
  onSignedIn: (session: SessionInfo) => void;
}

export function LoginPage({ notice, onSignedIn }: LoginPageProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<string | null>(null);
  const submitting = useSubmit();
  const { busy, error } = submitting;
  const usernameInput = useRef<HTMLInputElement>(null);
  const passwordInput = useRef<HTMLInputElement>(null);

  // A layout effect: the title changes with the page, before it is painted (PageHeading does the same).
  useLayoutEffect(() => {
    document.title = 'Sign in · Interhubz';
    usernameInput.current?.focus();
  }, []);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (busy) return;
    submitting.reset();
    if (!username.trim() || !password) {
      setMissing(!username.trim() ? 'Enter your username.' : 'Enter your password.');
      (!username.trim() ? usernameInput : passwordInput).current?.focus();
      return;
    }
    setMissing(null);
    const signedIn = await submitting.run(async () => onSignedIn(await api.signIn({ username: username.trim(), password })), { leaves: true });
    if (!signedIn) {
      setPassword('');
      passwordInput.current?.focus();
    }
  }

  return (
    <main class="login" id="main">
      <div class="login-panel">
        <div class="login-brand">
          <BrandMark />
          <span class="brand-name">Interhubz</span>
        </div>
        <div class="card login-card">
          <h1 class="login-title">Sign in</h1>
          <p class="login-subtitle">Administer the Intercom to HubSpot sync on this server.</p>
          {notice && !error ? (
            <p class="notice" role="status">
              {notice}
            </p>
          ) : null}
          {error ? <ErrorAlert error={error} /> : null}
          {missing ? (
            <p class="field-error" role="alert">
              {missing}
            </p>
          ) : null}
          <form onSubmit={submit} noValidate class="stack">
            <div class="field">
              <label for="login-username" class="label">
                Username
              </label>
              <input
                ref={usernameInput}
                id="login-username"
                class="input"
                type="text"
                name="username"
                autoComplete="username"
                autoCapitalize="none"
                spellcheck={false}
                maxLength={200}
                value={username}
                onInput={(event) => setUsername(event.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label for="login-password" class="label">
                Password
              </label>
              <input
                ref={passwordInput}
                id="login-password"
                class="input"
                type="password"
                name="password"
                autoComplete="current-password"
                maxLength={1000}
                value={password}
                onInput={(event) => setPassword(event.currentTarget.value)}
              />
            </div>
            <button type="submit" class="button button-primary button-block" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        </div>
        <p class="login-footnote">The admin password is set in this server’s configuration, or printed once in its log on the first start.</p>
      </div>
    </main>
  );
}
