// Rolling captures (settings conversations.capture.rollingHours): a conversation that stays open
// for days would reach HubSpot only at its close; with rolling captures its note is brought up to
// date every N hours while it is open. A chore looks for such conversations per connection and
// queues their captures; the capture itself is the usual one (trigger 'rolling').
import type { Kysely } from 'kysely';
import type { ConnectionClients } from '../connections/clients.ts';
import { listActiveConnections } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from 'pino';
import { getCapture } from '../conversations/conversation-store.ts';
import { CAPTURE_TASK, captureKey } from './capture-task.ts';
import { rollingDue } from './triggers.ts';

const HOUR = 3_600_000;
/** A chore run reads at most this many open conversations per connection: the budget is shared. */
const MAX_PER_RUN = 300;

export async function queueRollingCaptures(deps: { db: Kysely<Database>; clients: ConnectionClients; jobs: JobQueue; clock: () => number; log: Logger }): Promise<number> {
  let queued = 0;
  for (const row of await listActiveConnections(deps.db)) {
    const { rollingHours, mode } = row.settings.conversations.capture;
    if (rollingHours <= 0 || mode === 'manual') continue;
    const now = deps.clock();
    try {
      const query = {
        operator: 'AND' as const,
        value: [
          { field: 'open', operator: '=' as const, value: true },
          { field: 'created_at', operator: '<' as const, value: Math.floor((now - rollingHours * HOUR) / 1000) },
        ],
      };
      let seen = 0;
      for await (const conversation of deps.clients.intercom(row).searchConversations(query)) {
        if (++seen > MAX_PER_RUN) break;
        const capture = await getCapture(deps.db, row.id, String(conversation.id));
        const due = rollingDue({ state: conversation.state, createdAt: conversation.created_at * 1000, lastCapturedAt: capture?.last_decided_at ?? null, now, rollingHours });
        if (!due) continue;
        const result = await deps.jobs.enqueue({ task: CAPTURE_TASK, payload: { conversationId: String(conversation.id), trigger: 'rolling' }, connectionId: row.id, key: captureKey(row.id, String(conversation.id)), keyMode: 'keep' });
        if (result.result === 'inserted') queued += 1;
      }
    } catch (error) {
      // One connection's failure (a refused token, a rate limit) must not stop the others'.
      deps.log.warn({ err: error, connectionId: row.id }, 'rolling captures: could not list open conversations');
    }
  }
  return queued;
}
