// Alerts (issue #16 item 2): channels from the YAML applied at start, a chore that looks every
// minute for incidents to open or resolve, and the job that delivers each message to each channel.
import type { Feature, FeatureContext } from '../feature.ts';
import { createAlertSender, type AlertSender } from './send-alert.ts';
import { runAlertTick, type HealthReader } from './alert-tick.ts';
import { deliveryTasks } from './deliver-task.ts';
import { purgeAlertHistory } from './alert-store.ts';
import { seedAlertChannels } from './seed-channels.ts';
import { healthOfConnections, healthThresholds } from '../health/connection-health.ts';

/** The sender every alert goes out through: the process's HTTP pools, the upstream timeout, server.publicUrl. */
export function alertSender(ctx: Pick<FeatureContext, 'upstream' | 'config' | 'clock'>): AlertSender {
  return createAlertSender({ pools: ctx.upstream.pools, timeoutMs: ctx.config.upstream.responseTimeoutSeconds * 1000, publicUrl: ctx.config.server.publicUrl, clock: ctx.clock });
}

/** Judged with the configured thresholds, so an alert says what the connection list shows. */
const configuredHealth = (config: FeatureContext['config']): HealthReader => (db, now) => healthOfConnections(db, now, healthThresholds(config));

export function alertsFeature(health?: HealthReader): Feature {
  return {
    name: 'alerts',
    tasks: (ctx) => deliveryTasks({ db: ctx.db, vault: ctx.vault, sender: alertSender(ctx), clock: ctx.clock }),
    chores: ({ db, jobs, config, clock, log }) => [
      { name: 'alerts', schedule: '* * * * *', run: () => runAlertTick({ db, jobs, health: health ?? configuredHealth(config), alerts: config.alerts }, clock()) },
      {
        // Alert history is kept as long as failed jobs are (jobs.keepFailedDays).
        name: 'purge-alert-history',
        schedule: '53 3 * * *',
        async run() {
          const purged = await purgeAlertHistory(db, clock() - config.jobs.keepFailedDays * 86_400_000);
          if (purged > 0) log.info({ purged }, 'old alert messages and incidents purged');
        },
      },
    ],
    async atStart({ db, vault, config, clock, log }) {
      const seeded = await seedAlertChannels(db, vault, config.alerts.channels, clock());
      if (seeded.created.length + seeded.updated.length + seeded.removed.length > 0) log.info(seeded, 'alert channels from the configuration file applied');
    },
  };
}
