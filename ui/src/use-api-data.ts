// Loading what a page or tab shows from the admin API, with the stale-answer race closed: when the
// inputs (a route id, a filter, a tab) change faster than the answers come back, or a refresh
// overlaps a load, an older answer never replaces a newer one. Each request takes a sequence
// number; an answer is applied only when it is newer than the last one applied, and a change of
// inputs (or a value set locally, say a save's answer) drops every answer still on the way.
import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiError, toApiError } from './api.ts';

interface LoadOptions {
  /** A background refresh: no loading state, and a failure leaves what is shown alone. */
  quiet?: boolean;
}

export interface ApiData<T> {
  /** The last answer applied, or null before the first one (and after the inputs change). */
  data: T | null;
  /** Why the last load failed; cleared when a load starts. */
  error: ApiError | null;
  /** A load (not a quiet refresh) is on its way. */
  loading: boolean;
  /** Loads again with the current inputs; what is shown stays until the answer comes. */
  reload: (options?: LoadOptions) => Promise<void>;
  /**
   * Another request whose answer is merged into the data (an older page appended, newer entries
   * put on top) under the same ordering rule: dropped if the inputs changed meanwhile.
   */
  extend: <U>(fetch: () => Promise<U>, merge: (current: T | null, answer: U) => T | null, options?: LoadOptions) => Promise<void>;
  /** Sets the data from an answer obtained elsewhere (a save's); it is newer than any load on its way. */
  set: (next: T | ((current: T | null) => T | null)) => void;
}

/**
 * Loads `fetch()` now and again whenever `inputs` change. `fetch` is read at each call, so it may
 * close over the current inputs.
 */
export function useApiData<T>(fetch: () => Promise<T>, inputs: readonly unknown[]): ApiData<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  const started = useRef(0);
  const applied = useRef(0);
  // Loads (not quiet ones) on their way, by sequence number; `loading` is whether one is still newer than the last applied.
  const pending = useRef(new Set<number>());
  const fetchRef = useRef(fetch);
  fetchRef.current = fetch;

  function dropInFlight() {
    applied.current = started.current;
    pending.current.clear();
    setLoading(false);
  }

  async function run<U>(request: () => Promise<U>, apply: (answer: U) => void, options: LoadOptions = {}): Promise<void> {
    const sequence = ++started.current;
    if (!options.quiet) {
      pending.current.add(sequence);
      setLoading(true);
      setError(null);
    }
    try {
      const answer = await request();
      if (sequence > applied.current) {
        applied.current = sequence;
        setError(null);
        apply(answer);
      }
    } catch (caught) {
      if (!options.quiet && sequence > applied.current) {
        applied.current = sequence;
        setError(toApiError(caught));
      }
    } finally {
      if (pending.current.delete(sequence)) {
        setLoading([...pending.current].some((other) => other > applied.current));
      }
    }
  }

  const reload = (options?: LoadOptions) => run(() => fetchRef.current(), (answer) => setData(() => answer), options);

  useEffect(() => {
    dropInFlight();
    setData(null);
    setError(null);
    void reload();
    // The component is gone: answers still on their way have nowhere to go.
    return dropInFlight;
  }, inputs);

  return {
    data,
    error,
    loading,
    reload,
    extend: (request, merge, options) => run(request, (answer) => setData((current) => merge(current, answer)), options),
    set(next) {
      dropInFlight();
      setData(next);
    },
  };
}
