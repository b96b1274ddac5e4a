// The state every form's submit shares: busy while the request runs (a second submit meanwhile is
// ignored), the refusal as an ApiError with its field errors by settings path, and a success line
// for the form's status region.
import { useRef, useState } from 'preact/hooks';
import { type ApiError, toApiError } from './api.ts';

/** Where each field's errors go: a server path such as `conversations.guards.minCustomerMessages` → its message. */
export type FieldErrors = ReadonlyMap<string, string>;

export interface Submit<K extends string> {
  /** A submit is on its way. */
  busy: boolean;
  /** Which action is on its way, for forms with more than one (Preview / Push). */
  busyWith: K | null;
  error: ApiError | null;
  /** The error's details by path. */
  fieldErrors: FieldErrors;
  /** The last success message, '' when none. */
  status: string;
  /**
   * Runs `action` (which does whatever follows a success itself) unless another is on its way;
   * resolves to true when it succeeded, false when it failed (the error is then in `error`) or did not run.
   */
  run: <T>(action: () => Promise<T>, options?: RunOptions<K, T>) => Promise<boolean>;
  /** Shows an error found before sending (or clears it, with null); clears the status. */
  setError: (error: ApiError | null) => void;
  /** Forgets the error and the status. */
  reset: () => void;
}

interface RunOptions<K extends string, T> {
  /** Which action this is (see busyWith). */
  key?: K;
  /** The status line after a success. */
  success?: string | ((answer: T) => string);
  /** A success leaves the page (navigation, sign-out): stay busy until it is gone, so nothing is sent twice. */
  leaves?: boolean;
}

export function useSubmit<K extends string = 'submit'>(): Submit<K> {
  const [busyWith, setBusyWith] = useState<K | null>(null);
  const [error, setErrorState] = useState<ApiError | null>(null);
  const [status, setStatus] = useState('');
  // State updates land after the next render; a double click must not send twice before that.
  const running = useRef(false);

  async function run<T>(action: () => Promise<T>, options: RunOptions<K, T> = {}): Promise<boolean> {
    if (running.current) return false;
    running.current = true;
    setBusyWith(options.key ?? ('submit' as K));
    setErrorState(null);
    setStatus('');
    let succeeded = false;
    try {
      const answer = await action();
      succeeded = true;
      const { success } = options;
      if (success !== undefined) setStatus(typeof success === 'string' ? success : success(answer));
      return true;
    } catch (caught) {
      setErrorState(toApiError(caught));
      return false;
    } finally {
      if (!(succeeded && options.leaves)) {
        running.current = false;
        setBusyWith(null);
      }
    }
  }

  return {
    busy: busyWith !== null,
    busyWith,
    error,
    fieldErrors: new Map((error?.details ?? []).map((detail) => [detail.path, detail.message])),
    status,
    run,
    setError(next) {
      setErrorState(next);
      setStatus('');
    },
    reset() {
      setErrorState(null);
      setStatus('');
    },
  };
}
