// A tiny history-API router: the current path as a hook, navigate() for code, and a click handler
// that turns plain left-clicks on internal links into client-side navigation.
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();
let focusRequested = false;

function notify(): void {
  for (const listener of listeners) listener();
}

/** The address on show, so a refused back/forward can put it back. */
let shown = window.location.pathname + window.location.search + window.location.hash;

window.addEventListener('popstate', () => {
  // Back or forward away from a form with unsaved changes: asked first; staying restores the address.
  if (window.location.pathname !== new URL(shown, window.location.href).pathname && !mayLeave()) {
    window.history.pushState(null, '', shown);
    return;
  }
  shown = window.location.pathname + window.location.search + window.location.hash;
  focusRequested = true;
  notify();
});

/** Asked before in-app navigation leaves the page: the question to ask when leaving would drop something, else null. */
type LeaveGuard = () => string | null;
const leaveGuards = new Set<LeaveGuard>();

/** Registers a guard (ui/src/use-unsaved-guard.ts); returns its removal. */
export function addLeaveGuard(guard: LeaveGuard): () => void {
  leaveGuards.add(guard);
  return () => void leaveGuards.delete(guard);
}

/** One question, however many forms hold changes. */
function mayLeave(): boolean {
  for (const guard of leaveGuards) {
    const question = guard();
    if (question) return window.confirm(question);
  }
  return true;
}

export function currentPath(): string {
  return window.location.pathname;
}

export interface NavigateOptions {
  /** Replace the current history entry (redirects) instead of adding one. */
  replace?: boolean;
  /** Move keyboard focus to the new page's heading; on by default except for replacements. */
  focus?: boolean;
}

/** Goes to `path` (which may carry a query string) without reloading the page. */
export function navigate(path: string, options: NavigateOptions = {}): void {
  const here = window.location.pathname + window.location.search + window.location.hash;
  if (path === here) return;
  // Another page (not a query change on this one) while a form holds unsaved changes: asked first.
  // A redirect (replace) is the app's own doing and is not asked about.
  if (!options.replace && new URL(path, window.location.href).pathname !== window.location.pathname && !mayLeave()) return;
  shown = path;
  focusRequested = options.focus ?? !options.replace;
  if (options.replace) {
    window.history.replaceState(null, '', path);
  } else {
    window.history.pushState(null, '', path);
    window.scrollTo(0, 0);
  }
  notify();
}

/**
 * True once after a navigation that should move focus to the new page's heading, so screen reader
 * and keyboard users start on the new content. The first page load keeps the browser's own focus.
 */
export function takeFocusRequest(): boolean {
  const requested = focusRequested;
  focusRequested = false;
  return requested;
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    listeners.add(update);
    update();
    return () => {
      listeners.delete(update);
    };
  }, []);
  return path;
}

/** The query string (`?state=failed`), kept current across navigations that keep the path. */
export function useSearch(): string {
  const [search, setSearch] = useState(() => window.location.search);
  useEffect(() => {
    const update = () => setSearch(window.location.search);
    listeners.add(update);
    update();
    return () => {
      listeners.delete(update);
    };
  }, []);
  return search;
}

/** onClick for <a href>: keeps ctrl/cmd/shift/middle clicks and other origins as normal links. */
export function handleLinkClick(event: MouseEvent, options?: NavigateOptions): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = event.currentTarget;
  if (!(anchor instanceof HTMLAnchorElement) || anchor.target || anchor.hasAttribute('download')) return;
  const url = new URL(anchor.href);
  if (url.origin !== window.location.origin) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash, options);
}

/**
 * Matches a path against a pattern such as "/connections/:id"; returns the decoded parameters, or
 * null when it does not match. Parameters match one non-empty path segment.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const patternParts = pattern.split('/');
  const pathParts = path.split('/');
  if (patternParts.length !== pathParts.length) return null;
  const params: Record<string, string> = {};
  for (let index = 0; index < patternParts.length; index += 1) {
    const want = patternParts[index] ?? '';
    const got = pathParts[index] ?? '';
    if (want.startsWith(':')) {
      if (!got) return null;
      try {
        params[want.slice(1)] = decodeURIComponent(got);
      } catch {
        return null;
      }
    } else if (want !== got) {
      return null;
    }
  }
  return params;
}
