import t from 'tap';
import { callBackoffMs, rateLimitResetMs, retryAfterMs, statusKind, waitBeforeRetry } from '../../src/integrations/retry-policy.ts';

const NOW = Date.UTC(2026, 10, 23, 12);
const settings = { baseMs: 200, capMs: 5000 };

t.test('Retry-After in seconds or as an HTTP date', async (t) => {
  t.equal(retryAfterMs({ 'retry-after': '7' }, NOW), 7000);
  t.equal(retryAfterMs({ 'retry-after': new Date(NOW + 3000).toUTCString() }, NOW), 3000);
  t.equal(retryAfterMs({ 'retry-after': 'soon' }, NOW), undefined);
  t.equal(retryAfterMs({}, NOW), undefined);
});

t.test("Intercom's X-RateLimit-Reset is a Unix time in seconds", async (t) => {
  t.equal(rateLimitResetMs({ 'x-ratelimit-reset': String(NOW / 1000 + 9) }, NOW), 9000);
  t.equal(rateLimitResetMs({ 'x-ratelimit-reset': String(NOW / 1000 - 5) }, NOW), 0, 'a reset in the past means now');
});

t.test('statuses map to failure kinds', async (t) => {
  t.same([200, 429, 500, 502, 503, 423, 477, 401, 403, 404, 410, 409, 400, 422].map(statusKind), [
    null, 'rate_limited', 'server_error', 'server_error', 'server_error', 'server_error', 'server_error',
    'unauthorized', 'forbidden', 'not_found', 'not_found', 'conflict', 'invalid_request', 'invalid_request',
  ]);
});

t.test('the longest wait wins', async (t) => {
  const low = () => 0;
  t.equal(waitBeforeRetry('server_error', {}, 1, NOW, settings, low), 100, 'backoff alone');
  t.equal(waitBeforeRetry('rate_limited', { 'retry-after': '3' }, 1, NOW, settings, low), 3000, 'Retry-After beats backoff');
  t.equal(
    waitBeforeRetry('rate_limited', { 'retry-after': '3', 'x-ratelimit-reset': String(NOW / 1000 + 8) }, 1, NOW, settings, low),
    8000,
    'a later reset beats Retry-After',
  );
  t.equal(waitBeforeRetry('rate_limited', {}, 1, NOW, settings, low), 1000, 'a bare 429 waits at least a second');
  t.equal(waitBeforeRetry('server_error', {}, 10, NOW, settings, () => 1), 5000, 'capped');
});

t.test('backoff doubles with equal jitter', async (t) => {
  t.same([1, 2, 3].map((n) => callBackoffMs(n, settings, () => 0)), [100, 200, 400]);
  t.same([1, 2, 3].map((n) => callBackoffMs(n, settings, () => 1)), [200, 400, 800]);
});
