// The conversation explainer: its trace is kept as long as the activity log (jobs.keepActivityDays).
import type { Feature } from '../feature.ts';
import { purgeTrace } from './trace-recorder.ts';

const DAY_MS = 86_400_000;

export const explainFeature: Feature = {
  name: 'explain',
  chores: ({ db, config, clock, log }) => [
    {
      name: 'purge-conversation-trace',
      schedule: '53 3 * * *',
      async run() {
        const purged = await purgeTrace(db, clock() - config.jobs.keepActivityDays * DAY_MS);
        if (purged > 0) log.info({ purged }, 'old conversation trace steps purged');
      },
    },
  ],
};
