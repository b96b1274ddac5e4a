// undici, loaded on the first upstream call (or pool) instead of at start: an idle daemon, or one
// whose connections are not set up yet, makes no call, and its index loads all of undici (fetch,
// WebSocket, caches, mocks: ~1.3 MB of source, ~4 MB of idle memory; test/bench/RESULTS.md
// "startup memory (issue #19 item 3)"). undici is CommonJS, so a synchronous require loads it:
// the same module instance an `import` would give.
import { createRequire } from 'node:module';

type Undici = typeof import('undici');

let undici: Undici | undefined;

export const loadUndici = (): Undici => (undici ??= createRequire(import.meta.url)('undici') as Undici);
