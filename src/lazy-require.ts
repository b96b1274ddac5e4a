// A CommonJS dependency loaded on first use instead of at start (idle memory, #19 item 3;
// test/bench/RESULTS.md "startup memory"). A synchronous require, so callers stay plain functions,
// and the same module instance an `import` would give.
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(id) as T);
}
