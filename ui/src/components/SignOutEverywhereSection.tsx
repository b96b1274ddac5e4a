import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useSubmit } from '../use-submit.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';

/** Settings → Sessions: end every session of this account (a lost laptop, a shared browser), this one included. */
export function SignOutEverywhereSection() {
  const [confirming, setConfirming] = useState(false);
  const submit = useSubmit();
  const { busy, error } = submit;

  async function signOutEverywhere() {
    await submit.run(
      async () => {
        await api.signOutEverywhere();
        // This session ended too: the sign-in page is the only place left to go.
        window.location.assign('/login');
      },
      { leaves: true },
    );
  }

  return (
    <section class="card sessions-card" aria-labelledby="sessions-heading">
      <div class="card-header">
        <h2 id="sessions-heading">Sessions</h2>
        <p class="card-description">
          Signed in on a computer you no longer use, or think someone else has your session? Sign out everywhere ends every
          session of your account, this one included; other people stay signed in. API tokens keep working; revoke them above.
        </p>
      </div>
      <button
        type="button"
        class="button button-secondary"
        onClick={() => {
          submit.reset();
          setConfirming(true);
        }}
      >
        Sign out everywhere
      </button>
      {confirming ? (
        <ConfirmDialog
          title="Sign out everywhere?"
          confirmLabel="Sign out everywhere"
          busyLabel="Signing out…"
          busy={busy}
          error={error}
          onConfirm={() => void signOutEverywhere()}
          onCancel={() => setConfirming(false)}
        >
          <p>Every session of your account ends now, including this one. You will need to sign in again.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
