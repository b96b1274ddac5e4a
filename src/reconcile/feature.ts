// Reconciliation: periodic sweeps of each workspace for conversations no webhook told us about.
import { recheckPendingCloses } from '../capture/capture-task.ts';
import type { Feature } from '../feature.ts';
import { ensureSweepsScheduled, reconcileTasks } from './reconcile-task.ts';

export const reconcileFeature: Feature = {
  name: 'reconcile',
  tasks: ({ db, clients, recorder, jobs, config, clock }) =>
    reconcileTasks({ db, clients, recorder, jobs, settings: config.reconcile, clock, afterSweep: (connectionId) => recheckPendingCloses({ db, jobs, clients, clock }, connectionId) }),
  chores: ({ db, jobs }) => [{ name: 'schedule-reconciliation', schedule: '* * * * *', run: async () => void (await ensureSweepsScheduled({ db, jobs })) }],
};
