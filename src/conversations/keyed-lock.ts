// Work on one key runs one at a time, in arrival order. Captures of one conversation, and matches of
// one customer across many conversations, must not interleave (no second note, no duplicate contact
// when 20 conversations of a new customer are captured at once). In one process the chain below is
// enough; with several replicas on one PostgreSQL database the key is also held across them
// (src/db/postgres/cluster-locks.ts) once this process's turn has come. The database's pending
// references cover crashes.
export interface KeyedLock {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** Keys held or waited for now (tests, diagnostics). */
  size(): number;
}

/** Holds a key across replicas while `work` runs (src/db/postgres/cluster-locks.ts). */
type ClusterLock = { run<T>(key: string, work: () => Promise<T>): Promise<T> };

export function createKeyedLock(cluster?: ClusterLock): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    async run(key, work) {
      const previous = tails.get(key) ?? Promise.resolve();
      const held = cluster ? () => cluster.run(key, work) : work;
      const mine = previous.then(held, held);
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
