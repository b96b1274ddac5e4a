// Unsaved settings ask before they are dropped: while a form holds changes, leaving its page through
// the app's own navigation (links, tabs, back and forward: ui/src/router.ts) asks for confirmation,
// and closing or reloading the browser tab gets the browser's own "Leave site?" question.
import { useEffect } from 'preact/hooks';
import { addLeaveGuard } from './router.ts';

/** Whether a form's draft differs from what was loaded; drafts are plain JSON values. */
export function isChanged(draft: unknown, saved: unknown): boolean {
  return JSON.stringify(draft) !== JSON.stringify(saved);
}

/** `what` names the settings in the question, e.g. "capture settings". */
export function useUnsavedGuard(dirty: boolean, what: string): void {
  useEffect(() => {
    if (!dirty) return;
    const removeGuard = addLeaveGuard(() => `Your changes to the ${what} are not saved. Leave this page and lose them?`);
    // The browser shows its own wording; only the cancelable event counts (HTML "beforeunload").
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      removeGuard();
      window.removeEventListener('beforeunload', onBeforeUnload);
    };
  }, [dirty, what]);
}
