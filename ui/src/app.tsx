import type { FunctionComponent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SessionInfo } from '../../src/http/api-types.ts';
import { api, ApiError, setUnauthorizedHandler, toApiError } from './api.ts';
import { ErrorAlert } from './components/ErrorAlert.tsx';
import { Layout } from './components/Layout.tsx';
import { ViewerNotice } from './components/people/ViewerNotice.tsx';
import { ActivityPage } from './pages/ActivityPage.tsx';
import { AlertsPage } from './components/alerts/AlertsPage.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { InvitePage } from './pages/InvitePage.tsx';
import { isConnectionTab, movedTabPath } from './components/connection/tabs.ts';
import { ConnectionPage } from './pages/ConnectionPage.tsx';
import { ConnectionsPage } from './pages/ConnectionsPage.tsx';
import { ExplainPage } from './pages/ExplainPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { currentPath, matchPath, navigate, usePath } from './router.ts';

type SessionState =
  | { kind: 'loading' }
  | { kind: 'unavailable'; error: ApiError }
  | { kind: 'signed-out'; notice: string | null }
  | { kind: 'signed-in'; session: SessionInfo };

const HOME = '/connections';
const INVITE = '/invite';

const pages: Record<string, FunctionComponent> = {
  '/connections': ConnectionsPage,
  '/activity': ActivityPage,
  '/settings': SettingsPage,
  '/settings/audit': AuditPage,
  '/settings/alerts': AlertsPage,
};

/** Where to go after signing in: the `next` parameter if it is one of our own pages. */
function nextPath(): string {
  const next = new URLSearchParams(window.location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : HOME;
}

function loginPath(from: string): string {
  return from === '/' || from === HOME || from === '/login' ? '/login' : `/login?next=${encodeURIComponent(from)}`;
}

export function App() {
  const path = usePath();
  const [state, setState] = useState<SessionState>({ kind: 'loading' });
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<ApiError | null>(null);
  // Read by the 401 handler, which is set up once: what the session is now, and whether the user is
  // signing out (a page's request still on its way then comes back 401 — that is the sign-out, not a
  // lost session, and must not replace "You have signed out.").
  const sessionKind = useRef(state.kind);
  sessionKind.current = state.kind;
  const leaving = useRef(false);

  async function loadSession() {
    setState({ kind: 'loading' });
    try {
      const session = await api.getSession();
      setState(session ? { kind: 'signed-in', session } : { kind: 'signed-out', notice: null });
    } catch (error) {
      setState({ kind: 'unavailable', error: toApiError(error) });
    }
  }

  useEffect(() => {
    void loadSession();
    setUnauthorizedHandler(() => {
      if (leaving.current || sessionKind.current === 'signed-out') return;
      setState({ kind: 'signed-out', notice: 'Your session has ended. Sign in again to continue.' });
      navigate(loginPath(currentPath()), { replace: true });
    });
    return () => setUnauthorizedHandler(null);
  }, []);

  // Redirects that follow from the session and the address. An invitation link opens whoever is signed in.
  const redirect =
    path === INVITE
      ? null
      : state.kind === 'signed-out' && path !== '/login'
      ? loginPath(path)
      : state.kind === 'signed-in' && path === '/login'
        ? nextPath()
        : state.kind === 'signed-in' && path === '/'
          ? HOME
          : state.kind === 'signed-in'
            ? movedTabPath(path)
            : null;
  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  function signedOut(notice: string) {
    // At once, not at the next render: a 401 may come back before it.
    sessionKind.current = 'signed-out';
    setState({ kind: 'signed-out', notice });
  }

  async function signOut() {
    setSigningOut(true);
    setSignOutError(null);
    leaving.current = true;
    try {
      await api.signOut();
      signedOut('You have signed out.');
      navigate('/login');
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.status === 401) {
        signedOut('You have signed out.');
        navigate('/login');
      } else {
        setSignOutError(apiError);
      }
    } finally {
      leaving.current = false;
      setSigningOut(false);
    }
  }

  if (state.kind === 'loading' || redirect) {
    return (
      <main class="boot" aria-busy="true">
        <p class="boot-text">Loading…</p>
      </main>
    );
  }

  if (path === INVITE) {
    return (
      <InvitePage
        onSignedIn={(session) => {
          setState({ kind: 'signed-in', session });
          // The link's token leaves the address (and the history entry) at once.
          navigate(HOME, { replace: true, focus: true });
        }}
      />
    );
  }

  if (state.kind === 'unavailable') {
    return (
      <main class="boot">
        <div class="boot-panel">
          <h1>Interhubz is not available</h1>
          <ErrorAlert error={state.error} />
          <button type="button" class="button button-primary" onClick={() => void loadSession()}>
            Try again
          </button>
        </div>
      </main>
    );
  }

  if (state.kind === 'signed-out') {
    return (
      <LoginPage
        notice={state.notice}
        onSignedIn={(session) => {
          setState({ kind: 'signed-in', session });
          navigate(nextPath(), { replace: true, focus: true });
        }}
      />
    );
  }

  const Page = pages[path];
  const connection = Page ? null : (matchPath('/connections/:id', path) ?? matchPath('/connections/:id/:tab', path));
  const tab = connection ? (connection.tab ?? 'overview') : null;
  const explained = Page || connection ? null : matchPath('/connections/:id/conversations/:conversationId/explain', path);
  return (
    <Layout
      path={path}
      username={state.session.username}
      signingOut={signingOut}
      onSignOut={() => void signOut()}
      banner={signOutError ? <ErrorAlert error={signOutError} title="You are still signed in." /> : <ViewerNotice key={state.session.username} />}
    >
      {Page ? (
        <Page key={path} />
      ) : explained?.id && explained.conversationId ? (
        <ExplainPage key={path} connectionId={explained.id} conversationId={explained.conversationId} />
      ) : connection?.id && tab && isConnectionTab(tab) ? (
        // Keyed by connection, not by path: switching tabs keeps the loaded connection.
        <ConnectionPage key={`connection:${connection.id}`} id={connection.id} tab={tab} />
      ) : (
        <NotFoundPage key={path} path={path} />
      )}
    </Layout>
  );
}
