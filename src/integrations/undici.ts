// undici, loaded on the first upstream call (or pool) instead of at start: an idle daemon, or one
// whose connections are not set up yet, makes no call, and its index loads all of undici (fetch,
// WebSocket, caches, mocks: ~1.3 MB of source, ~4 MB of idle memory; test/bench/RESULTS.md
// "startup memory (issue #19 item 3)").
import { lazyRequire } from '../lazy-require.ts';

export const loadUndici = lazyRequire<typeof import('undici')>('undici');
