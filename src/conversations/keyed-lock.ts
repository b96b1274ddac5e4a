// Work on one key runs one at a time, in arrival order. Captures of one conversation, and matches of
// one customer across many conversations, must not interleave (no second note, no duplicate contact
// when 20 conversations of a new customer are captured at once). One process owns the database
// (DESIGN.md §5), so an in-memory lock is enough; the database's pending references cover crashes.
export interface KeyedLock {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** Keys held or waited for now (tests, diagnostics). */
  size(): number;
}

export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    async run(key, work) {
      const previous = tails.get(key) ?? Promise.resolve();
      const mine = previous.then(work, work);
      // The chain continues whether this work succeeds or fails.
      const tail = mine.then(() => undefined, () => undefined);
      tails.set(key, tail);
      try {
        return await mine;
      } finally {
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    size: () => tails.size,
  };
}
