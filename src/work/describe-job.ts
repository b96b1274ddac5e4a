// What a job is for, in plain words ("Capture conversation 123"), from its task and the ids in its
// payload — never content, which payloads do not carry (DESIGN.md §2, invariant 3). Pure.
import { z } from 'zod';
import { BACKFILL_PAGE_TASK } from '../backfills/backfill-task.ts';
import type { CAPTURE_TRIGGERS } from '../capture/capture-conversation.ts';
import { CAPTURE_TASK } from '../capture/capture-task.ts';
import { IDENTIFY_TASK } from '../connections/identify-task.ts';
import { OWNERS_REFRESH_TASK } from '../owners/refresh-task.ts';
import { RECONCILE_TASK } from '../reconcile/reconcile-task.ts';
import { TICKET_CHECK_TASK, TICKET_STAGE_TASK } from '../tickets/ticket-tasks.ts';
import { eventTask } from '../webhooks/record-deliveries.ts';

export interface JobDescription {
  /** One line a person reads. */
  what: string;
  /** The Intercom conversation the job is about, when it is about one (for links to its story). */
  conversationId: string | null;
}

/** The ids payloads carry; anything else in a payload is ignored. */
const Ids = z.object({
  conversationId: z.string().optional().catch(undefined),
  ticketId: z.string().optional().catch(undefined),
  side: z.enum(['intercom', 'hubspot']).optional().catch(undefined),
  topic: z.string().optional().catch(undefined),
  objectId: z.string().nullable().optional().catch(undefined),
  trigger: z.string().optional().catch(undefined),
  object: z.enum(['contacts', 'companies']).optional().catch(undefined),
  id: z.string().optional().catch(undefined),
  merged: z.boolean().optional().catch(undefined),
  memberships: z.boolean().optional().catch(undefined),
  /** A batch of webhook events (src/webhooks/event-tasks.ts): their topics. */
  events: z.array(z.object({ topic: z.string().catch('unknown topic') })).optional().catch(undefined),
});
type Ids = z.infer<typeof Ids>;

const TRIGGER_WORDS: Record<(typeof CAPTURE_TRIGGERS)[number], string> = {
  on_close: 'after it closed',
  realtime: 'while it runs',
  rolling: 'while it runs',
  first_message: 'at its first message',
  sweep: 'found by the sweep',
  manual: 'pushed by hand',
  api: 'pushed through the API',
  ui: 'pushed from the UI',
  backfill: 'by a backfill',
};
const triggerWords = (trigger: string | undefined): string | undefined => (trigger !== undefined && trigger in TRIGGER_WORDS ? TRIGGER_WORDS[trigger as keyof typeof TRIGGER_WORDS] : undefined);

const conversation = (ids: Ids) => (ids.conversationId === undefined ? 'a conversation' : `conversation ${ids.conversationId}`);
const SIDE = { intercom: 'Intercom workspace', hubspot: 'HubSpot portal' } as const;

/** "an Intercom webhook (topic, object)", or for a batch "12 Intercom webhooks (topic, topic, …)". */
function webhooks(vendor: string, ids: Ids): string {
  if (ids.events === undefined) return `Handle ${vendor === 'Intercom' ? 'an' : 'a'} ${vendor} webhook (${ids.topic ?? 'unknown topic'}${ids.objectId ? `, ${ids.objectId}` : ''})`;
  const topics = [...new Set(ids.events.map((event) => event.topic))];
  const shown = topics.length > 3 ? [...topics.slice(0, 3), '…'] : topics;
  return `Handle ${ids.events.length} ${vendor} webhook${ids.events.length === 1 ? '' : 's'} (${shown.join(', ')})`;
}

/** Task names as the features define them; the literal ones are not exported by their features. */
const DESCRIBE: Record<string, (ids: Ids) => string> = {
  [CAPTURE_TASK]: (ids) => {
    const when = triggerWords(ids.trigger);
    return `Capture ${conversation(ids)} into HubSpot${when ? ` (${when})` : ''}`;
  },
  [TICKET_STAGE_TASK]: (ids) => `Move the HubSpot ticket of ${conversation(ids)} to its stage`,
  'ticket.ensure': (ids) => `Find or create the HubSpot ticket of ${conversation(ids)}`,
  'ticket.hubspot-change': (ids) => `Apply a change of HubSpot ticket ${ids.ticketId ?? '(unknown)'} to its conversation`,
  [TICKET_CHECK_TASK]: () => 'Check the ticket pipeline and stages against HubSpot',
  [RECONCILE_TASK]: () => 'Sweep Intercom for conversations the webhooks missed',
  [OWNERS_REFRESH_TASK]: () => "Refresh the user mapping from Intercom's teammates and HubSpot's owners",
  [IDENTIFY_TASK]: (ids) => `Identify the connected ${ids.side ? SIDE[ids.side] : 'account'}`,
  [eventTask('intercom')]: (ids) => webhooks('Intercom', ids),
  // Alert deliveries have no connection, so the Work tab does not list them; named for completeness.
  'alert.deliver': () => 'Deliver an alert to its notification channel',
  'records.sync': (ids) => {
    const record = `${ids.side === 'hubspot' ? 'HubSpot' : 'Intercom'} ${ids.object === 'companies' ? 'company' : 'contact'} ${ids.id ?? '(unknown)'}`;
    if (ids.memberships) return `Bring the companies of ${record} over to Intercom`;
    return `Sync ${record} with its pair${ids.merged ? ' (after a merge)' : ''}`;
  },
  [BACKFILL_PAGE_TASK]: () => 'Sync now: the next page of a backfill',
  'records.sweep': (ids) => `Sweep ${ids.side === 'hubspot' ? 'HubSpot' : 'Intercom'} for ${ids.object ?? 'records'} the webhooks missed`,
  [eventTask('hubspot')]: (ids) => webhooks('HubSpot', ids),
};

/** Tasks whose payload's conversationId names the conversation the job is about. */
const ABOUT_A_CONVERSATION = new Set([CAPTURE_TASK, TICKET_STAGE_TASK, 'ticket.ensure']);

function idsOf(payload: string): Ids {
  try {
    const parsed = Ids.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export function describeJob(job: { task: string; payload: string }): JobDescription {
  const ids = idsOf(job.payload);
  const describe = DESCRIBE[job.task];
  return {
    what: describe ? describe(ids) : `Run task ${job.task}`,
    conversationId: ABOUT_A_CONVERSATION.has(job.task) ? (ids.conversationId ?? null) : null,
  };
}

/** Whether the wording knows this task (a test holds every registered task to it). */
export const describesTask = (task: string): boolean => task in DESCRIBE;
