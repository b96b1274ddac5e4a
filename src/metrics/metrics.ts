// The daemon's Prometheus metrics (issue #16 item 8), one registry per daemon: several daemons run in
// one test process, and prom-client's global registry would mix them. The lower layers only see the
// small observer ports they declare (src/integrations/http-pools.ts, src/jobs/scheduler.ts,
// src/webhooks/intake.ts, src/conversations/conversation-run.ts); this module implements them.
// Label values are closed sets (vendors, results, outcomes, task names, route families, status
// codes): never a conversation id, an email or a path with ids in it.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CaptureObserver } from '../conversations/conversation-run.ts';
import type { UpstreamCallObserver } from '../integrations/http-pools.ts';
import { routeFamily } from '../integrations/route-family.ts';
import type { JobRunObserver } from '../jobs/scheduler.ts';
import type { Vendor } from '../vendor.ts';
import type { IntakeAnswer } from '../webhooks/intake.ts';

const PREFIX = 'interhubz_';
const VENDORS: readonly Vendor[] = ['intercom', 'hubspot'];
const DELIVERY_RESULTS = ['accepted', 'duplicate', 'unrouted', 'ping', 'bad_signature', 'stale', 'invalid'] as const;
type DeliveryResult = (typeof DELIVERY_RESULTS)[number];
const CAPTURE_OUTCOMES = ['captured', 'updated', 'unchanged', 'skipped', 'failed'] as const;

export interface Metrics {
  registry: Registry;
  /** The ports the composition hands to the lower layers. */
  observe: {
    upstreamCall: UpstreamCallObserver;
    jobRuns: JobRunObserver;
    delivery(provider: Vendor, answer: IntakeAnswer): void;
    captures: CaptureObserver;
  };
  /** The exposition text and its content type (text/plain; version=0.0.4). */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Which result a refused delivery counts under, by the intake's error code. */
function refusal(code: string): DeliveryResult {
  if (code === 'invalid_signature') return 'bad_signature';
  if (code === 'stale_delivery') return 'stale';
  return 'invalid';
}

export function createMetrics(options: { clock: () => number }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];

  const deliveries = new Counter({
    name: `${PREFIX}webhook_deliveries_total`,
    help: 'Webhook events received, by provider and result (an event routed to two connections counts once for each; a refused delivery counts once).',
    labelNames: ['provider', 'result'] as const,
    registers,
  });
  const lastDelivery = new Gauge({
    name: `${PREFIX}webhook_last_received_timestamp_seconds`,
    help: 'When the last signed webhook delivery was accepted, by provider (Unix seconds).',
    labelNames: ['provider'] as const,
    registers,
  });
  // Resolved once: the intake's counting then only increments (no label lookup per delivery).
  const deliveryCounters = Object.fromEntries(
    VENDORS.map((provider) => [provider, Object.fromEntries(DELIVERY_RESULTS.map((result) => [result, deliveries.labels(provider, result)]))]),
  ) as Record<Vendor, Record<DeliveryResult, ReturnType<typeof deliveries.labels>>>;
  const lastDeliveryGauges = Object.fromEntries(VENDORS.map((provider) => [provider, lastDelivery.labels(provider)])) as Record<Vendor, ReturnType<typeof lastDelivery.labels>>;

  const jobRunSeconds = new Histogram({
    name: `${PREFIX}job_run_seconds`,
    help: "Time a job's handler took, by task, whatever its outcome.",
    labelNames: ['task'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  const jobLatenessSeconds = new Histogram({
    name: `${PREFIX}job_lateness_seconds`,
    help: 'How long after its due time a job started (started_at − run_at), by task.',
    labelNames: ['task'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers,
  });

  const upstreamCalls = new Counter({
    name: `${PREFIX}upstream_calls_total`,
    help: "Calls sent to Intercom and HubSpot (each try counts), by vendor, route family, status code ('none' when no answer came) and status class.",
    labelNames: ['vendor', 'route', 'status', 'status_class'] as const,
    registers,
  });

  const captures = new Counter({
    name: `${PREFIX}captures_total`,
    help: 'Conversation captures decided, by outcome (failed: failed for good, no retry follows).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const captureCounters = Object.fromEntries(CAPTURE_OUTCOMES.map((outcome) => [outcome, captures.labels(outcome)])) as Record<(typeof CAPTURE_OUTCOMES)[number], ReturnType<typeof captures.labels>>;
  const closeToNote = new Histogram({
    name: `${PREFIX}capture_close_to_note_seconds`,
    help: "Time from a conversation's close to its note in HubSpot (the grace window included).",
    buckets: [60, 300, 600, 900, 1200, 1800, 3600, 7200, 21_600, 86_400],
    registers,
  });

  return {
    registry,
    observe: {
      upstreamCall(service, call, status) {
        upstreamCalls.inc({
          vendor: service,
          route: routeFamily(call.method, call.path),
          status: status === null ? 'none' : String(status),
          status_class: status === null ? 'none' : `${Math.floor(status / 100)}xx`,
        });
      },
      jobRuns: {
        started: (task, latenessMs) => jobLatenessSeconds.observe({ task }, latenessMs / 1000),
        ran: (task, ms) => jobRunSeconds.observe({ task }, ms / 1000),
      },
      delivery(provider, answer) {
        const counters = deliveryCounters[provider];
        if (answer.status !== 200) {
          counters[refusal(answer.code)].inc();
          return;
        }
        lastDeliveryGauges[provider].set(options.clock() / 1000);
        const { accepted, duplicates, unrouted } = answer.body;
        if (accepted === undefined && duplicates === undefined && unrouted === undefined) {
          counters.ping.inc();
          return;
        }
        if (accepted) counters.accepted.inc(accepted);
        if (duplicates) counters.duplicate.inc(duplicates);
        if (unrouted) counters.unrouted.inc(unrouted);
      },
      captures: {
        decided(outcome, closeToNoteMs) {
          captureCounters[outcome].inc();
          if (closeToNoteMs !== null) closeToNote.observe(closeToNoteMs / 1000);
        },
      },
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
