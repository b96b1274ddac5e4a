import t from 'tap';
import { toJobOutcomeError } from '../../src/jobs/upstream-outcome.ts';
import { UpstreamError, type FailureKind } from '../../src/integrations/upstream-error.ts';
import { outcomeOfThrown } from '../../src/jobs/outcomes.ts';

const upstream = (kind: FailureKind, extra: Partial<UpstreamError['details']> = {}) =>
  new UpstreamError({ service: 'hubspot', kind, status: 400, method: 'POST', path: '/crm/objects/2026-09/notes', vendorMessage: 'vendor says', ...extra });

t.test('each failure kind ends the job run the way it should', async (t) => {
  const outcomeOf = (error: unknown) => outcomeOfThrown(toJobOutcomeError(error));
  t.match(outcomeOf(upstream('rate_limited', { retryAfterMs: 7000 })), { type: 'retry_after', delayMs: 7000 }, 'waits without using an attempt');
  for (const kind of ['server_error', 'timeout', 'network', 'ambiguous_write'] as const) {
    t.match(outcomeOf(upstream(kind)), { type: 'retry' }, `${kind}: backoff`);
  }
  t.match(outcomeOf(upstream('unauthorized')), { type: 'park' });
  t.match(outcomeOf(upstream('forbidden', { missingScopes: ['tickets', 'crm.objects.contacts.write'] })), {
    type: 'fail',
    reason: /missing scopes: tickets, crm\.objects\.contacts\.write$/,
  });
  t.match(outcomeOf(upstream('invalid_request')), { type: 'fail', reason: 'HubSpot POST /crm/objects/2026-09/notes failed with 400: vendor says' });
  const other = new Error('not an upstream error');
  t.equal(toJobOutcomeError(other), other);
});

t.test('the daemon builds one shared upstream context from the configuration', async (t) => {
  const { buildTestApp } = await import('../helpers/test-app.ts');
  const server = await buildTestApp(t, { config: { upstream: { hubspot: { burstPer10s: 190 }, intercom: { perAppPerMinute: 600 } } } });
  const { upstream } = server.daemon;
  t.equal(upstream.hubspotRates.portal('123'), upstream.hubspotRates.portal('123'), 'one budget per portal, shared');
  t.match(upstream.hubspotRates.portal('123').snapshot(), { burst: { limit: 190 } });
  t.equal(upstream.timeouts.headersMs, 30_000);
});
