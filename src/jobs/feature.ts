// The job table's housekeeping: finished jobs and activity entries past their retention.
import type { Feature } from '../feature.ts';
import { jobChores } from './purge-chore.ts';

export const jobsFeature: Feature = {
  name: 'jobs',
  chores: ({ db, config, clock, log }) => jobChores(db, config.jobs, clock, log),
};
