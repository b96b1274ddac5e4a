// Connections: identifying the account behind a token from the configuration file, in a job so a
// vendor that is down does not stop the start.
import type { Feature } from '../feature.ts';
import { enqueueIdentify, identifyTasks } from './identify-task.ts';

export const connectionsFeature: Feature = {
  name: 'connections',
  tasks: ({ db, vault, upstream, config, log, clock }) => identifyTasks({ db, vault, upstream, config, log, clock }),
  async atStart({ jobs, seeded }) {
    for (const { connectionId, side } of seeded.identify) await enqueueIdentify(jobs, connectionId, side);
  },
};
