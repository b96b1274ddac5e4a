// Gauges read at scrape time rather than kept up to date: the job table (src/jobs/introspect.ts), the
// rate budgets every client shares (src/integrations/*/rate-plan.ts) and the webhook deliveries still
// waiting for their dedupe index entries (src/webhooks/deferred-dedupe.ts). A scrape costs one grouped
// query; the hot paths pay nothing for them.
import type { Kysely } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/schema.ts';
import type { UpstreamContext } from '../integrations/upstream-context.ts';
import { jobCounts, type JobCounts } from '../jobs/introspect.ts';
import type { Vendor } from '../vendor.ts';

const PREFIX = 'interhubz_';

export interface ScrapeSources {
  db: Kysely<Database>;
  /** The webhook recorder's count of a burst's deliveries not yet in the dedupe index (src/webhooks/deferred-dedupe.ts). */
  dedupeWaiting: () => number;
  upstream: Pick<UpstreamContext, 'hubspotRates' | 'intercomRates'>;
  clock: () => number;
}

interface BudgetReading {
  labels: { vendor: Vendor; account: string; budget: string };
  remaining: number;
  limit: number;
}

/** Intercom keys its budgets `workspace:<id>` and `app:<app>:workspace:<id>` (intercom/rate-plan.ts). */
function intercomAccount(key: string): { account: string; budget: string } {
  const workspace = key.slice(key.lastIndexOf('workspace:') + 'workspace:'.length);
  return { account: workspace, budget: key.startsWith('app:') ? 'app' : 'workspace' };
}

function budgetReadings(upstream: ScrapeSources['upstream']): BudgetReading[] {
  const readings: BudgetReading[] = [];
  for (const portal of upstream.hubspotRates.snapshot()) {
    // A portal spent by OAuth and by private-app clients has two views; the budget name tells them apart.
    const view = portal.auth === 'oauth' ? 'oauth_' : '';
    const at = (budget: string) => ({ vendor: 'hubspot' as const, account: portal.portalId, budget: `${view}${budget}` });
    readings.push({ labels: at('burst'), remaining: portal.burst.available, limit: portal.burst.limit });
    readings.push({ labels: at('search'), remaining: portal.search.available, limit: portal.search.limit });
    if (portal.daily) readings.push({ labels: at('daily'), remaining: portal.daily.remaining, limit: portal.daily.limit });
  }
  for (const budget of upstream.intercomRates.snapshot()) {
    readings.push({ labels: { vendor: 'intercom', ...intercomAccount(budget.key) }, remaining: budget.available, limit: budget.limit });
  }
  return readings;
}

export function addScrapeGauges(registry: Registry, sources: ScrapeSources): void {
  const registers = [registry];
  // prom-client asks every gauge of a scrape at once: the two job gauges share one read of the table.
  let reading: Promise<JobCounts> | null = null;
  const readJobs = () =>
    (reading ??= jobCounts(sources.db, sources.clock()).finally(() => {
      reading = null;
    }));

  const jobs: Gauge<'task' | 'state'> = new Gauge({
    name: `${PREFIX}jobs`,
    help: 'Jobs in the job table, by task and state (finished ones until they are purged).',
    labelNames: ['task', 'state'] as const,
    registers,
    async collect() {
      const counts = await readJobs();
      jobs.reset();
      for (const [task, states] of Object.entries(counts.byTask)) {
        for (const [state, n] of Object.entries(states)) jobs.set({ task, state }, n);
      }
    },
  });
  const oldestDue: Gauge = new Gauge({
    name: `${PREFIX}jobs_oldest_due_age_seconds`,
    help: 'How long the oldest due job has waited to start (0 when none waits).',
    registers,
    async collect() {
      oldestDue.set((await readJobs()).oldestDueAgeMs / 1000);
    },
  });

  const dedupeWaiting: Gauge = new Gauge({
    name: `${PREFIX}webhook_dedupe_waiting`,
    help: "Webhook deliveries taken in a burst whose entries in the dedupe index are still to be written (SQLite; moved in at up to ~2,500 a second once the burst is over). A value that stays up means moving them in fails: see the log.",
    registers,
    collect() {
      dedupeWaiting.set(sources.dedupeWaiting());
    },
  });

  const budgetGauge = (name: string, help: string, value: (reading: BudgetReading) => number) => {
    const gauge: Gauge<'vendor' | 'account' | 'budget'> = new Gauge({
      name: `${PREFIX}${name}`,
      help,
      labelNames: ['vendor', 'account', 'budget'] as const,
      registers,
      collect() {
        gauge.reset();
        for (const reading of budgetReadings(sources.upstream)) gauge.set(reading.labels, value(reading));
      },
    });
  };
  budgetGauge(
    'rate_budget_remaining',
    "Calls left in a rate budget now, per HubSpot portal and Intercom workspace (burst, search, app, workspace: the current window; daily: today's quota).",
    (reading) => reading.remaining,
  );
  budgetGauge('rate_budget_limit', 'The size of each rate budget (per window, or per day for daily).', (reading) => reading.limit);
}
