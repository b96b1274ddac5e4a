// Webhook intake's own housekeeping: recorded deliveries are kept for jobs.keepWebhookDeliveriesDays.
// (The event jobs that run the features' reactions are built from all reactions, src/features.ts.)
import type { Feature } from '../feature.ts';
import { purgeOldDeliveries } from './record-deliveries.ts';

export const webhooksFeature: Feature = {
  name: 'webhooks',
  chores: ({ db, config, clock, log }) => [
    {
      name: 'purge-webhook-deliveries',
      schedule: '53 3 * * *',
      run: async () => {
        const purged = await purgeOldDeliveries(db, { now: clock(), keepDays: config.jobs.keepWebhookDeliveriesDays });
        if (purged > 0) log.info({ purged }, 'old webhook delivery records purged');
      },
    },
  ],
};
