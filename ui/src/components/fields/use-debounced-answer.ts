// An answer that follows an input as it is edited: asked again a moment after the last change (not at
// each keystroke), and only the newest question's answer is kept — an older one arriving late never
// replaces it. Used for the mapping check, its preview and the filters' count on a sample.
import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiError, toApiError } from '../../api.ts';

export interface DebouncedAnswer<T> {
  answer: T | null;
  error: ApiError | null;
  /** A question is waiting or on its way. */
  pending: boolean;
}

/**
 * Asks `ask()` `delayMs` after `key` last changed; `key` is the question (its JSON, say). A null key
 * asks nothing and clears the answer.
 */
export function useDebouncedAnswer<T>(key: string | null, ask: () => Promise<T>, delayMs = 500): DebouncedAnswer<T> {
  const [answer, setAnswer] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [pending, setPending] = useState(false);
  const sequence = useRef(0);
  const askRef = useRef(ask);
  askRef.current = ask;

  useEffect(() => {
    const mine = ++sequence.current;
    if (key === null) {
      setAnswer(null);
      setError(null);
      setPending(false);
      return;
    }
    setPending(true);
    const timer = window.setTimeout(() => {
      askRef.current().then(
        (next) => {
          if (mine !== sequence.current) return;
          setAnswer(next);
          setError(null);
          setPending(false);
        },
        (caught: unknown) => {
          if (mine !== sequence.current) return;
          setError(toApiError(caught));
          setPending(false);
        },
      );
    }, delayMs);
    return () => window.clearTimeout(timer);
  }, [key]);

  // Gone: answers still on their way have nowhere to go.
  useEffect(
    () => () => {
      sequence.current++;
    },
    [],
  );

  return { answer, error, pending };
}
