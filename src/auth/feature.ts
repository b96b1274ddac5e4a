// Admin sign-in's housekeeping: expired sessions are purged hourly (src/chores.ts).
import { foundationChores } from '../chores.ts';
import type { Feature } from '../feature.ts';

export const adminSessionsFeature: Feature = {
  name: 'admin-sessions',
  chores: ({ db, clock, log }) => foundationChores(db, clock, log),
};
