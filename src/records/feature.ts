// Record sync: contacts and companies kept in step both ways (#17). Live changes from either side's
// webhooks become keyed sync jobs (record-tasks.ts); the services are built once (createRecordSyncDeps).
import type { ConnectionClients } from '../connections/clients.ts';
import type { CaptureDeps } from '../capture/capture-conversation.ts';
import type { Feature } from '../feature.ts';
import { ensureMappedFields } from './ensure-fields.ts';
import { createFieldCatalogue } from './field-catalogue.ts';
import { deriveValues } from './hubspot-derived.ts';
import { ensureRecordSweeps, recordSweepTasks } from './record-sweep.ts';
import { recordReactions, recordTasks } from './record-tasks.ts';
import type { RecordSyncDeps } from './sync-record.ts';

/** Shares capture's locks and match keys: one pairing mechanism, one lock per customer. */
export function createRecordSyncDeps(deps: { capture: CaptureDeps; clients: ConnectionClients; hashKey: Uint8Array }): RecordSyncDeps {
  const catalogue = createFieldCatalogue({ clients: deps.clients, now: deps.capture.now });
  return {
    db: deps.capture.db,
    clients: deps.clients,
    locks: deps.capture.locks,
    now: deps.capture.now,
    matchKeys: deps.capture.matchKeys,
    hashKey: deps.hashKey,
    catalogue,
    derive: deriveValues(deps.capture.now),
    async ensureFields(row, object, mappings) {
      const result = await ensureMappedFields({ clients: deps.clients, catalogue }, row, object, mappings);
      const problem = result.problems[0];
      if (problem) throw new Error(`a field for record sync could not be created: ${problem.message}`);
    },
  };
}

export const recordsFeature: Feature = {
  name: 'records',
  tasks: ({ records, jobs, config }) => [...recordTasks(records), ...recordSweepTasks({ records, jobs, settings: config.reconcile })],
  reactions: ({ db, jobs, clock }) => recordReactions({ db, jobs, now: clock }),
  chores: ({ db, jobs }) => [{ name: 'schedule-record-sweeps', schedule: '* * * * *', run: () => ensureRecordSweeps({ db, jobs }) }],
};
